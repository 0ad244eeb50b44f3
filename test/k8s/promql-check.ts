/**
 * A strict checker for the PromQL the monitoring constructs generate. There is no PromQL parser in
 * node_modules (the Prometheus project's grammar is the npm package @prometheus-io/lezer-promql, not
 * a dependency), so this parses the subset we write, after the grammar of prometheus/prometheus
 * promql/parser (generated_parser.y) and the lexer (lex.go):
 *
 *   expr      := unary (binop modifier? unary)*
 *   binop     := "/" | "*" | "+" | "-" | ">" | ">=" | "<" | "<=" | "==" | "!=" | "and" | "or" | "unless"
 *   modifier  := ("on" | "ignoring") "(" labels? ")"
 *   unary     := number | "(" expr ")" | aggr | call | selector range?
 *   aggr      := ("sum"|"max"|"min"|"avg"|"count") ("by" "(" labels ")")? "(" expr ")"
 *   call      := ("increase"|"rate"|"max_over_time") "(" selector range ")"
 *   selector  := metric "{" matcher ("," matcher)* "}"
 *   matcher   := label ("=" | "!=" | "=~" | "!~") string
 *   range     := "[" duration "]"
 *
 * Strings are Go double-quoted literals (escapes \a \b \f \n \r \t \v \\ \" \xHH \uHHHH, no raw
 * newline); a regex matcher's value must compile. Throws on anything else.
 */

type Token = { readonly kind: 'ident' | 'number' | 'string' | 'duration' | 'punct' | 'op'; readonly text: string; readonly value?: string };

const ESCAPES: { [c: string]: string } = { 'a': '\x07', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', '"': '"' };

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ') { i++; continue; }
    if (c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) { throw new Error(`unterminated string at ${i}: ${src}`); }
        const d = src[j];
        if (d === '"') { break; }
        if (d === '\n' || d === '\r') { throw new Error(`raw newline in string at ${j}`); }
        if (d === '\\') {
          const e = src[j + 1];
          if (e in ESCAPES) { value += ESCAPES[e]; j += 2; continue; }
          const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
          const digits = src.slice(j + 2, j + 2 + hex);
          if (!hex || !new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) { throw new Error(`bad escape \\${e} at ${j}`); }
          value += String.fromCodePoint(parseInt(digits, 16));
          j += 2 + hex;
          continue;
        }
        value += d;
        j++;
      }
      out.push({ kind: 'string', text: src.slice(i, j + 1), value });
      i = j + 1;
      continue;
    }
    const rest = src.slice(i);
    const m = /^[0-9]+[smhdwy]\b/.exec(rest) ?? undefined;
    if (m && out[out.length - 1]?.text === '[') { out.push({ kind: 'duration', text: m[0] }); i += m[0].length; continue; }
    const num = /^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?/.exec(rest);
    if (num) { out.push({ kind: 'number', text: num[0] }); i += num[0].length; continue; }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (id) { out.push({ kind: 'ident', text: id[0] }); i += id[0].length; continue; }
    const op = /^(=~|!~|!=|==|>=|<=|[=><*/+-])/.exec(rest);
    if (op) { out.push({ kind: 'op', text: op[0] }); i += op[0].length; continue; }
    if ('(){}[],'.includes(c)) { out.push({ kind: 'punct', text: c }); i++; continue; }
    throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}: ${src}`);
  }
  return out;
}

const BINOPS = new Set(['/', '*', '+', '-', '>', '>=', '<', '<=', '==', '!=', 'and', 'or', 'unless']);
const AGGREGATIONS = new Set(['sum', 'max', 'min', 'avg', 'count']);
const RANGE_FUNCTIONS = new Set(['increase', 'rate', 'max_over_time']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly src: string) {}

  public parse(): void {
    this.expr();
    if (this.i !== this.tokens.length) { this.fail('trailing tokens'); }
  }

  private peek(): Token | undefined { return this.tokens[this.i]; }
  private fail(why: string): never { throw new Error(`${why} at token ${this.i} (${JSON.stringify(this.peek()?.text)}) in ${this.src}`); }
  private take(text: string): void {
    if (this.peek()?.text !== text) { this.fail(`expected ${JSON.stringify(text)}`); }
    this.i++;
  }
  private ident(): string {
    const t = this.peek();
    if (t?.kind !== 'ident') { this.fail('expected a name'); }
    this.i++;
    return t.text;
  }

  private expr(): void {
    this.unary();
    while (this.peek() && BINOPS.has(this.peek()!.text)) {
      this.i++;
      if (this.peek()?.text === 'on' || this.peek()?.text === 'ignoring') { this.i++; this.labels(); }
      this.unary();
    }
  }

  private labels(): void {
    this.take('(');
    if (this.peek()?.text !== ')') {
      this.ident();
      while (this.peek()?.text === ',') { this.i++; this.ident(); }
    }
    this.take(')');
  }

  private unary(): void {
    const t = this.peek();
    if (!t) { this.fail('unexpected end'); }
    if (t.kind === 'number') { this.i++; return; }
    if (t.text === '(') { this.i++; this.expr(); this.take(')'); return; }
    if (t.kind !== 'ident') { this.fail('expected an expression'); }
    if (AGGREGATIONS.has(t.text)) {
      this.i++;
      if (this.peek()?.text === 'by' || this.peek()?.text === 'without') { this.i++; this.labels(); }
      this.take('(');
      this.expr();
      this.take(')');
      return;
    }
    if (RANGE_FUNCTIONS.has(t.text)) {
      this.i++;
      this.take('(');
      this.selector();
      this.range(true);
      this.take(')');
      return;
    }
    this.selector();
    this.range(false);
  }

  private selector(): void {
    this.ident();
    this.take('{');
    this.matcher();
    while (this.peek()?.text === ',') { this.i++; this.matcher(); }
    this.take('}');
  }

  private matcher(): void {
    this.ident();
    const op = this.peek();
    if (op?.kind !== 'op' || !MATCH_OPS.has(op.text)) { this.fail('expected a match operator'); }
    this.i++;
    const value = this.peek();
    if (value?.kind !== 'string') { this.fail('expected a string'); }
    this.i++;
    if (op.text === '=~' || op.text === '!~') { new RegExp(`^(?:${value.value})$`, 'u'); }
  }

  private range(required: boolean): void {
    if (this.peek()?.text !== '[') {
      if (required) { this.fail('expected a range'); }
      return;
    }
    this.i++;
    if (this.peek()?.kind !== 'duration') { this.fail('expected a duration'); }
    this.i++;
    this.take(']');
  }
}

/** Throws unless `expr` parses as the PromQL subset above. */
export function checkPromQL(expr: string): void {
  new Parser(lex(expr), expr).parse();
}

/** The decoded string literals of `expr`, in order. */
export function stringLiterals(expr: string): string[] {
  return lex(expr).filter(t => t.kind === 'string').map(t => t.value!);
}
