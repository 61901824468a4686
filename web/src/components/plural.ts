// A count with its noun in the right number: "1 member", "5 members", "1 reply", "2 replies".
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`
}
