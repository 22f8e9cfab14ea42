// The `devnet` command's help text (devnet --help), with the defaults it names.
import { LOG_LEVELS } from '../node/config/schema.js'
import { DEFAULT_BASE_PORT, DEFAULT_DEVNET_DIR, STOP_TIMEOUT_MS, UP_TIMEOUT_MS } from './constants.js'
import { MEMBERSHIP_CHANGE_TIMEOUT_MS } from './membership.js'

export const USAGE = `usage: devnet <command> [options]

commands:
  up -n N        generate a devnet of N nodes (or reuse the stopped one in --dir),
                 start every node and wait until all are healthy (/health ok) and agree on the roles
      --committees K   committees (default 3 when N >= 6, else 1)
      --base-port P    node i listens on P+i (p2p) and P+100+i (HTTP) (default ${DEFAULT_BASE_PORT})
      --fresh          wipe a stopped devnet in --dir and generate a new one
      --timeout S      seconds to wait for agreement (default ${UP_TIMEOUT_MS / 1000})
      --log-level L    node log level (${LOG_LEVELS.join('|')}, default info)
      --json           print only a JSON array of the nodes on stdout
      --tls            nodes serve HTTPS with self-signed certificates whose fingerprints the
                       genesis lists next to https:// URLs (only when generating)
  genesis --hosts H1,H2,...
                 generate (do not start) a network of one node per address: the genesis
                 and each node's folder (config, identity, passphrase), for nodes that
                 run on other machines; copy genesis.json and node-I/ to host I
      --committees K   as for up
      --base-port P    as for up: node I uses P+I (p2p) and P+100+I (HTTP) on its host
      --log-level L    as for up
      --tls            as for up: a certificate per node for its address
  status         the node table, live (--json as for up); a node whose /health is not ok
                 shows as degraded or starting, with its reasons under the table
  down           stop every node: SIGTERM, SIGKILL after --timeout S (default ${STOP_TIMEOUT_MS / 1000})
      --clean          also delete the devnet folder
  kill I         SIGKILL node I
  pause I        SIGSTOP node I
  resume I       SIGCONT node I
  restart I      stop node I if it runs, start it again, wait until it answers /health
                 (ok, or degraded when too few of its peers run)
      --timeout S      seconds to wait for it (default ${UP_TIMEOUT_MS / 1000})
  add-node       start a new node (node-<next>) that joins the network: one operator-signed
                 update_node_set adds it, every key is reshared, every node switches epochs
      --count N        add N nodes in the same update (default 1)
      --committee K    put them into committee K (default: each into the smallest)
      --timeout S      seconds to wait until every node runs the new epoch (default ${MEMBERSHIP_CHANGE_TIMEOUT_MS / 1000})
  remove-node I [J ...]
                 remove running nodes in one update: the others reshare every key without
                 them; at activation they erase their shares and exit, and leave the devnet
      --timeout S      as for add-node
  logs I         print node I's log
      -f, --follow     keep printing what is appended (Ctrl-C stops)
  logs --request ID
                 every node's log lines of one sign request (or new_user: ID = the key id),
                 merged in time order: time, node, level, message, fields (peer ids
                 shown as node ids); with I, node I's only
      --json           print the matching JSON lines as the nodes wrote them

every command:
  --dir D        the devnet folder (default ${DEFAULT_DEVNET_DIR} in the working directory)
  -h, --help     this text

Errors print one line (and details) on stderr and exit 1; usage errors exit 2.`
