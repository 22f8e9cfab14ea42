import '../node/polyfills.js'
