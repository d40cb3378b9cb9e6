import { invalidInput } from '../errors';

/*
 * Personalize's filter expression grammar, as the developer guide defines it:
 *   https://docs.aws.amazon.com/personalize/latest/dg/creating-filter-expressions.html (structure, elements)
 *   https://docs.aws.amazon.com/personalize/latest/dg/filter-expression-guidelines-requirements.html (rules)
 *   https://docs.aws.amazon.com/personalize/latest/dg/multiple-expression-example.html (chaining with `|`)
 *
 *   filter      := expression ( '|' expression )*
 *   expression  := ( INCLUDE | EXCLUDE ) ItemID WHERE conditions [ IF userCondition ( AND userCondition )* ]
 *   conditions  := condition ( ( AND | OR ) condition )*
 *   condition   := Dataset.FIELD ( IN | NOT IN ) '(' values ')'
 *                | Dataset.FIELD IN CurrentItem.FIELD
 *                | Dataset.FIELD ( = | < | <= | > | >= ) ( number | $PARAM | CurrentItem.FIELD )
 *   values      := value ( ',' value )* | $PARAM | *
 *
 * The guide gives no precedence for AND and OR, nor any grouping parentheses: here AND binds tighter than OR
 * (as in SQL, which the syntax follows) and parentheses only enclose value lists. Keywords, dataset names and
 * `ItemID` are written as the guide writes them (upper-case keywords): an expression the service might refuse
 * is refused here rather than accepted locally and refused at deploy time.
 */

type FilterAction = 'INCLUDE' | 'EXCLUDE';
type ConditionDataset = 'Interactions' | 'Items';
type Operator = 'IN' | 'NOT IN' | '=' | '<' | '<=' | '>' | '>=';

export type Operand =
  /** Fixed values, as written: quoted strings or numbers. */
  | { readonly kind: 'values'; readonly values: readonly string[] }
  /** A placeholder whose values come with each request (`filterValues`), case-sensitive. */
  | { readonly kind: 'parameter'; readonly name: string }
  /** A field of the item a related-items request names. */
  | { readonly kind: 'currentItem'; readonly field: string }
  /** `*`: interactions of every event type. */
  | { readonly kind: 'all' };

export interface Condition {
  readonly dataset: ConditionDataset;
  readonly field: string;
  readonly operator: Operator;
  readonly operand: Operand;
}

interface UserCondition {
  readonly field: string;
  readonly operator: Operator;
  readonly operand: Operand;
}

export interface Expression {
  readonly action: FilterAction;
  /** Disjunction of conjunctions: AND binds tighter than OR. */
  readonly anyOf: readonly (readonly Condition[])[];
  /** The `IF CurrentUser...` conditions (all of them must hold). */
  readonly ifCurrentUser: readonly UserCondition[];
}

export interface ParsedFilter {
  readonly expressions: readonly Expression[];
}

type Token =
  | { readonly type: 'word'; readonly text: string; readonly at: number }
  | { readonly type: 'string'; readonly text: string; readonly at: number }
  | { readonly type: 'number'; readonly text: string; readonly at: number }
  | { readonly type: 'parameter'; readonly text: string; readonly at: number }
  | { readonly type: 'symbol'; readonly text: string; readonly at: number };

const refuse = (message: string) => invalidInput(`Invalid filter expression: ${message}`);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== '"'; j++) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        text += source[j];
      }
      if (j >= source.length) throw refuse(`unterminated string starting at character ${i + 1}`);
      tokens.push({ type: 'string', text, at: i });
      i = j + 1;
    } else if (c === '$') {
      const name = /^\$([A-Za-z0-9_]+)/.exec(source.slice(i));
      if (!name?.[1]) throw refuse(`a parameter needs a name of letters, digits or _ at character ${i + 1}`);
      tokens.push({ type: 'parameter', text: name[1], at: i });
      i += name[0].length;
    } else if (/[0-9-]/.test(c)) {
      const number = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      if (!number) throw refuse(`unexpected '${c}' at character ${i + 1}`);
      tokens.push({ type: 'number', text: number[0], at: i });
      i += number[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(source.slice(i));
      if (!word) throw refuse(`unexpected '${c}' at character ${i + 1}`);
      tokens.push({ type: 'word', text: word[0], at: i });
      i += word[0].length;
    } else {
      const symbol = /^(<=|>=|[()<>=,|*])/.exec(source.slice(i));
      if (!symbol) throw refuse(`unexpected '${c}' at character ${i + 1}`);
      tokens.push({ type: 'symbol', text: symbol[0], at: i });
      i += symbol[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseFilter(): ParsedFilter {
    const expressions = [this.parseExpression()];
    while (this.acceptSymbol('|')) expressions.push(this.parseExpression());
    const extra = this.peek();
    if (extra) throw refuse(`unexpected '${extra.text}' at character ${extra.at + 1}`);
    return { expressions };
  }

  private parseExpression(): Expression {
    const action = this.expectWord(['INCLUDE', 'EXCLUDE'], 'an expression starts with INCLUDE or EXCLUDE');
    const target = this.expectWord(
      ['ItemID', 'UserID', 'ActionID'],
      `${action} is followed by ItemID (item recommendations)`,
    );
    if (target !== 'ItemID') {
      throw refuse(
        `${target}: the emulator serves item recommendations only (user segments and actions are not emulated)`,
      );
    }
    this.expectWord(['WHERE'], 'ItemID is followed by WHERE');
    const anyOf: Condition[][] = [[this.parseCondition()]];
    for (;;) {
      if (this.acceptWord('AND')) anyOf[anyOf.length - 1]?.push(this.parseCondition());
      else if (this.acceptWord('OR')) anyOf.push([this.parseCondition()]);
      else break;
    }
    const ifCurrentUser: UserCondition[] = [];
    if (this.acceptWord('IF')) {
      do ifCurrentUser.push(this.parseUserCondition());
      while (this.acceptWord('AND'));
    }
    return { action, anyOf, ifCurrentUser };
  }

  private parseCondition(): Condition {
    const token = this.next('a condition (Dataset.FIELD)');
    const [dataset, field] = token.text.split('.');
    if (token.type !== 'word' || field === undefined) {
      throw refuse(`expected Dataset.FIELD at character ${token.at + 1}, found '${token.text}'`);
    }
    if (dataset === 'CurrentUser') {
      throw refuse(`CurrentUser may be used only in an IF condition at the end of an expression`);
    }
    if (dataset === 'CurrentItem') {
      throw refuse(`CurrentItem may be used only as a value: Items.FIELD IN CurrentItem.FIELD`);
    }
    if (dataset !== 'Interactions' && dataset !== 'Items') {
      throw refuse(
        `unknown dataset '${dataset}' at character ${token.at + 1}: item filters use Interactions and Items`,
      );
    }
    const operator = this.parseOperator();
    return { dataset, field, operator, operand: this.parseOperand(operator) };
  }

  private parseUserCondition(): UserCondition {
    const token = this.next('a CurrentUser condition');
    const [dataset, field] = token.text.split('.');
    if (token.type !== 'word' || dataset !== 'CurrentUser' || field === undefined) {
      throw refuse(`an IF condition checks CurrentUser.FIELD, found '${token.text}'`);
    }
    const operator = this.parseOperator();
    return { field, operator, operand: this.parseOperand(operator) };
  }

  private parseOperator(): Operator {
    if (this.acceptWord('IN')) return 'IN';
    if (this.acceptWord('NOT')) {
      this.expectWord(['IN'], 'NOT is followed by IN');
      return 'NOT IN';
    }
    const token = this.next('an operator (IN, NOT IN, =, <, <=, >, >=)');
    if (token.type === 'symbol' && ['=', '<', '<=', '>', '>='].includes(token.text)) {
      return token.text as Operator;
    }
    throw refuse(
      `expected IN, NOT IN, =, <, <=, > or >= at character ${token.at + 1}, found '${token.text}'`,
    );
  }

  private parseOperand(operator: Operator): Operand {
    const token = this.next('a value');
    if (token.type === 'word' && token.text.startsWith('CurrentItem.')) {
      return { kind: 'currentItem', field: token.text.slice('CurrentItem.'.length) };
    }
    if (operator === 'IN' || operator === 'NOT IN') {
      if (token.type !== 'symbol' || token.text !== '(') {
        throw refuse(
          `${operator} is followed by a list of values in parentheses, at character ${token.at + 1}`,
        );
      }
      return this.parseValueList(operator);
    }
    if (token.type === 'parameter') return { kind: 'parameter', name: token.text };
    if (token.type === 'number') return { kind: 'values', values: [token.text] };
    throw refuse(`${operator} compares with a number or a $PARAMETER, found '${token.text}'`);
  }

  private parseValueList(operator: Operator): Operand {
    const values: string[] = [];
    let parameter: string | undefined;
    let all = false;
    do {
      const token = this.next('a value');
      if (token.type === 'parameter') parameter = token.text;
      else if (token.type === 'symbol' && token.text === '*') all = true;
      else if (token.type === 'string' || token.type === 'number') values.push(token.text);
      else throw refuse(`expected a quoted value, a number or a $PARAMETER, found '${token.text}'`);
    } while (this.acceptSymbol(','));
    const close = this.next(`')' closing the ${operator} list`);
    if (close.type !== 'symbol' || close.text !== ')') {
      throw refuse(`expected ')' closing the ${operator} list at character ${close.at + 1}`);
    }
    const kinds = (parameter !== undefined ? 1 : 0) + (all ? 1 : 0) + (values.length > 0 ? 1 : 0);
    // "You cannot add comma-separated parameters to a filter": a placeholder stands alone in its list.
    if (parameter !== undefined && (kinds > 1 || values.length > 0)) {
      throw refuse(`a $PARAMETER stands alone in its ${operator} list: its values come with the request`);
    }
    if (parameter !== undefined) return { kind: 'parameter', name: parameter };
    if (all && kinds > 1) throw refuse(`* stands alone in its ${operator} list`);
    if (all) return { kind: 'all' };
    // "*" quoted is the same wildcard.
    if (values.length === 1 && values[0] === '*') return { kind: 'all' };
    return { kind: 'values', values };
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(what: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw refuse(`the expression ends where ${what} was expected`);
    this.position++;
    return token;
  }

  private acceptWord(word: string): boolean {
    const token = this.peek();
    if (token?.type === 'word' && token.text === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private acceptSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token?.type === 'symbol' && token.text === symbol) {
      this.position++;
      return true;
    }
    return false;
  }

  private expectWord<W extends string>(words: readonly W[], why: string): W {
    const token = this.next(words.join(' or '));
    if (token.type === 'word' && (words as readonly string[]).includes(token.text)) return token.text as W;
    throw refuse(`${why}: found '${token.text}' at character ${token.at + 1}`);
  }
}

/** Parses a filter expression; a syntax error is InvalidInputException naming where it is. */
export function parseFilterExpression(source: string): ParsedFilter {
  return new Parser(tokenize(source)).parseFilter();
}

/** Every `$PARAMETER` name the filter's expressions use. */
export function parametersOf(filter: ParsedFilter): Set<string> {
  const names = new Set<string>();
  for (const expression of filter.expressions) {
    for (const operand of operandsOf(expression)) if (operand.kind === 'parameter') names.add(operand.name);
  }
  return names;
}

/** The operands of an expression, its IF conditions included. */
function operandsOf(expression: Expression): Operand[] {
  return [
    ...expression.anyOf.flat().map((condition) => condition.operand),
    ...expression.ifCurrentUser.map((condition) => condition.operand),
  ];
}
