// Growable typed arrays: one number per record in a few bytes, instead of one object per record.

type TypedArray = Uint32Array | Int32Array | Float64Array;
type TypedArrayConstructor<T extends TypedArray> = new (length: number) => T;

/** An append-only column of numbers backed by a typed array that grows by half when full. */
export class Column<T extends TypedArray> {
  private data: T;
  private count = 0;

  constructor(
    private readonly kind: TypedArrayConstructor<T>,
    initialCapacity = 64,
  ) {
    this.data = new kind(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  at(index: number): number {
    return this.data[index] as number;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  push(value: number): void {
    if (this.count === this.data.length) this.reserve(this.count + 1);
    this.data[this.count++] = value;
  }

  /** The filled part, without copying (valid until the next push). */
  view(): T {
    return this.data.subarray(0, this.count) as T;
  }

  /** Replaces the content with `values` (taken over, not copied). */
  adopt(values: T): void {
    this.data = values;
    this.count = values.length;
  }

  private reserve(needed: number): void {
    const grown = new this.kind(Math.max(needed, Math.ceil(this.data.length * 1.5), 64));
    (grown as Uint32Array).set(this.data);
    this.data = grown;
  }
}

export const uint32Column = (): Column<Uint32Array> => new Column(Uint32Array);
export const int32Column = (): Column<Int32Array> => new Column(Int32Array);
export const float64Column = (): Column<Float64Array> => new Column(Float64Array);

/** The first index whose value is greater than `value`, in a column sorted ascending (binary search). */
export function firstAbove(column: Column<Uint32Array>, value: number): number {
  let low = 0;
  let high = column.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (column.at(middle) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Strings stored once each and referred to by a small integer (user, item, session, event type ids). */
export class Interner {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  get size(): number {
    return this.values.length;
  }

  /** The id of a string, adding it if new. */
  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** The id of a string already stored, or undefined (adds nothing). */
  idOf(value: string): number | undefined {
    return this.ids.get(value);
  }

  stringOf(id: number): string {
    return this.values[id] as string;
  }

  all(): readonly string[] {
    return this.values;
  }
}
