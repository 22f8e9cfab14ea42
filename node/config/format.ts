// Turns zod issues into one readable line: "path.to.field: message; ...".
import type { z } from 'zod'

export function formatZodIssues (error: z.ZodError): string {
  return error.issues.map(i => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')
}
