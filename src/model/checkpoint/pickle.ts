/**
 * A restricted unpickler for PyTorch tensor checkpoints. It is a data parser, not a Python VM: it knows the
 * opcodes of protocols 0-5 that build plain data (numbers, strings, tuples, lists, dicts, memo), and of
 * the globals only the few that a `torch.save(state_dict)` pickle names. Those are not "called": each maps
 * to a JS function here that records a description (a storage reference, a tensor view). Any other global,
 * and every opcode that could reach one indirectly (extension registry, out-of-band buffers), is refused
 * with UnsafePickleError before anything else happens.
 */
import { CheckpointFormatError, UnsafePickleError } from './errors.ts';
import type { StoredDtype } from './state-dict.ts';

/** A global the pickle names; only allowlisted ones ever exist. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** `torch.<X>Storage` as named in a persistent id. */
export class StorageType {
  constructor(readonly dtype: StoredDtype) {}
}

/** A persistent-id storage record: the bytes live in the zip at `data/<key>`. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: StoredDtype,
    readonly numel: number,
  ) {}
}

/** What `_rebuild_tensor_v2` describes: a strided view into a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A Python dict or OrderedDict (insertion ordered, like Python's). */
export class PyDict extends Map<unknown, unknown> {}

const STORAGE_TYPES: Record<string, StoredDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

type Callable = (args: unknown[]) => unknown;

function intList(value: unknown, what: string, file: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v)))
    throw new CheckpointFormatError(file, `${what} is not a tuple of integers`);
  return value as number[];
}

function rebuildTensor(file: string): Callable {
  return (args) => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef))
      throw new CheckpointFormatError(file, 'a tensor is rebuilt from something that is not a storage');
    if (typeof offset !== 'number')
      throw new CheckpointFormatError(file, 'a tensor has a non-integer storage offset');
    return new TensorRef(
      storage,
      offset,
      intList(size, 'a tensor size', file),
      intList(stride, 'a tensor stride', file),
    );
  };
}

/** The allowlist: module.name -> what REDUCE / NEWOBJ with it produces. */
function allowedGlobals(file: string): Map<string, Callable | StorageType> {
  const allowed = new Map<string, Callable | StorageType>();
  allowed.set('collections.OrderedDict', (args) => {
    const dict = new PyDict();
    const items = args[0];
    if (Array.isArray(items))
      for (const pair of items) if (Array.isArray(pair) && pair.length === 2) dict.set(pair[0], pair[1]);
    return dict;
  });
  allowed.set('torch._utils._rebuild_tensor_v2', rebuildTensor(file));
  allowed.set('torch._utils._rebuild_tensor', rebuildTensor(file));
  // nn.Parameter objects saved instead of plain tensors: the data is the first argument.
  allowed.set('torch._utils._rebuild_parameter', (args) => args[0]);
  allowed.set('torch._utils._rebuild_parameter_with_state', (args) => args[0]);
  for (const [name, dtype] of Object.entries(STORAGE_TYPES))
    allowed.set(`torch.${name}`, new StorageType(dtype));
  return allowed;
}

export interface UnpickleOptions {
  /** File name for messages. */
  file: string;
}

/** Parses a pickle into plain JS values (PyDict, arrays, TensorRef...), refusing every unsafe global. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const file = options.file;
  const allowed = allowedGlobals(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (reason: string): never => {
    throw new CheckpointFormatError(file, `bad pickle at byte ${pos}: ${reason}`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.length) fail('unexpected end of data');
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = Number(view.getBigUint64(pos, true));
    pos += 8;
    return v;
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text argument');
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  // Callers must take the result before touching `stack`: this swaps `stack` for the enclosing one.
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) fail('MARK missing');
    stack = previous!;
    return items;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!allowed.has(qualified)) throw new UnsafePickleError(file, qualified);
    return new PyGlobal(module, name);
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PyGlobal)) fail('REDUCE on something that is not an allowed global');
    const target = allowed.get((callable as PyGlobal).qualifiedName);
    if (typeof target !== 'function') fail(`${(callable as PyGlobal).qualifiedName} cannot be called`);
    if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
    return (target as Callable)(args as unknown[]);
  };
  const longFromBytes = (data: Uint8Array): number => {
    let value = 0n;
    for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]!);
    if (data.length > 0 && data[data.length - 1]! & 0x80) value -= 1n << BigInt(8 * data.length);
    return Number(value);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const persistentLoad = (pid: unknown): StorageRef => {
    // ('storage', torch.<X>Storage, key, location, numel)
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) fail('unknown persistent id');
    const [, type, key, , numel] = pid as unknown[];
    if (!(type instanceof PyGlobal)) fail('persistent id without a storage type');
    const storageType = allowed.get((type as PyGlobal).qualifiedName);
    if (!(storageType instanceof StorageType))
      fail(`${(type as PyGlobal).qualifiedName} is not a storage type`);
    if (typeof key !== 'string' || typeof numel !== 'number') fail('malformed storage record');
    return new StorageRef(key as string, (storageType as StorageType).dtype, numel as number);
  };

  for (;;) {
    if (pos >= bytes.length) fail('no STOP opcode');
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT (protocol 0; "01"/"00" are True/False)
        const text = line();
        stack.push(text === '01' ? true : text === '00' ? false : Number.parseInt(text, 10));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4c: // LONG
        stack.push(Number.parseInt(line().replace(/L$/, ''), 10));
        break;
      case 0x8a: // LONG1
        stack.push(longFromBytes(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longFromBytes(take(u32())));
        break;
      case 0x46: // FLOAT
        stack.push(Number.parseFloat(line()));
        break;
      case 0x47: {
        // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x53: // STRING
        stack.push(parseQuoted(line(), fail));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        );
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        {
          const items = popMark();
          stack.push(items);
        }
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        {
          const items = popMark();
          stack.push(items);
        }
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list');
        (list as unknown[]).push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set<unknown>());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) fail('ADDITEMS to something that is not a set');
        for (const item of items) (set as Set<unknown>).add(item);
        break;
      }
      case 0x91: // FROZENSET
        {
          const items = popMark();
          stack.push(new Set(items));
        }
        break;
      case 0x67: // GET
        stack.push(memoGet(memo, Number.parseInt(line(), 10), fail));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, u8(), fail));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, u32(), fail));
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL without names');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(call(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x69: {
        // INST: module and name inline, arguments since MARK
        const module = line();
        const name = line();
        const cls = resolveGlobal(module, name);
        const items = popMark();
        stack.push(call(cls, items));
        break;
      }
      case 0x6f: {
        // OBJ: class and arguments since MARK
        const items = popMark();
        const cls = items.shift();
        stack.push(call(cls, items));
        break;
      }
      case 0x62: {
        // BUILD: the state of an OrderedDict (e.g. state_dict._metadata) carries nothing we need.
        pop();
        top();
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        fail('text persistent ids are not used by tensor checkpoints');
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new UnsafePickleError(file, 'a copyreg extension code (EXT opcode)');
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        fail('out-of-band buffers are not supported');
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

function memoGet(memo: Map<number, unknown>, index: number, fail: (reason: string) => never): unknown {
  if (!memo.has(index)) fail(`memo entry ${index} does not exist`);
  return memo.get(index);
}

/** A protocol-0 STRING argument: a Python repr of a byte string. */
function parseQuoted(text: string, fail: (reason: string) => never): string {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) fail('malformed STRING argument');
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escape: string) => {
    if (escape[0] === 'x') return String.fromCharCode(parseInt(escape.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
    return simple[escape] ?? escape;
  });
}
