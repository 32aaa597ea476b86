/**
 * A WASI preview1 host for one run of a command-line program compiled to WebAssembly, with its files
 * in memory: exactly the calls flite makes (args, clock, stdio, one preopened directory, open, read,
 * write, seek, close, exit), nothing else.
 *
 * Why not node:wasi: it keeps the view of the module's memory it took at start, and a program that
 * grows its memory (flite does, for every long paragraph) then has its calls read and write freed
 * memory: the process died with SIGSEGV or hung, a few renders in (Node 20.20; nodejs/node#52402
 * reports the same with this very flite build). Here every call looks at `memory.buffer` afresh.
 * No file is written to disk and no stdio is shared with the process.
 */

/** What the program sees and leaves behind. */
export interface WasiRun {
  /** argv, the program's name first. */
  args: readonly string[];
  /** The one directory the program can open files in (e.g. "/work"). */
  dir: string;
  /** Files in that directory before the run, by name. */
  files: ReadonlyMap<string, Uint8Array>;
}

/** How the run ended. */
export interface WasiResult {
  /** proc_exit's code, or 0 when `_start` returned. */
  code: number;
  /** Every file of the directory after the run, by name. */
  files: Map<string, Uint8Array>;
  /** What the program wrote on stdout and stderr, together. */
  output: string;
}

// errno values of wasi_snapshot_preview1.
const SUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const EISDIR = 31;
const ENOENT = 44;
const ENOTDIR = 54;
const EEXIST = 20;

// Filetypes, oflags and whence.
const CHARACTER_DEVICE = 2;
const DIRECTORY = 3;
const REGULAR_FILE = 4;
const O_CREAT = 1;
const O_DIRECTORY = 2;
const O_EXCL = 4;
const O_TRUNC = 8;
const FDFLAGS_APPEND = 1;
const ALL_RIGHTS = 0xffff_ffffn;

/** A growable file in memory. */
class MemoryFile {
  bytes: Uint8Array;
  size: number;
  constructor(initial: Uint8Array = new Uint8Array(0)) {
    this.bytes = new Uint8Array(Math.max(64, initial.length));
    this.bytes.set(initial);
    this.size = initial.length;
  }
  write(at: number, data: Uint8Array): void {
    const end = at + data.length;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
    }
    // A seek past the end leaves a hole of zeros, as on disk (the grown array is zeroed).
    this.bytes.set(data, at);
    this.size = Math.max(this.size, end);
  }
  contents(): Uint8Array {
    return this.bytes.slice(0, this.size);
  }
}

type Descriptor =
  | { kind: 'stdio' }
  | { kind: 'dir' }
  | { kind: 'file'; file: MemoryFile; position: number; append: boolean };

/** Thrown by proc_exit to unwind the program's stack back to runWasiProgram. */
class ProcExit {
  constructor(readonly code: number) {}
}

/** Runs `module`'s `_start` once with `run`'s arguments and files; returns its exit code, files and output. */
export async function runWasiProgram(module: WebAssembly.Module, run: WasiRun): Promise<WasiResult> {
  const files = new Map<string, MemoryFile>([...run.files].map(([name, bytes]) => [name, new MemoryFile(bytes)]));
  const fds = new Map<number, Descriptor>([
    [0, { kind: 'stdio' }],
    [1, { kind: 'stdio' }],
    [2, { kind: 'stdio' }],
    [3, { kind: 'dir' }],
  ]);
  let nextFd = 4;
  let output = '';
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const argBytes = run.args.map((a) => encoder.encode(`${a}\0`));
  const dirName = encoder.encode(run.dir);
  let memory: { buffer: ArrayBuffer } | undefined;
  // Always a fresh view: the program may have grown its memory since the last call.
  const view = () => new DataView(memory!.buffer);
  const bytesAt = (ptr: number, len: number) => new Uint8Array(memory!.buffer, ptr, len);
  const iovecs = (ptr: number, count: number): Uint8Array[] => {
    const v = view();
    return Array.from({ length: count }, (_, i) => bytesAt(v.getUint32(ptr + i * 8, true), v.getUint32(ptr + i * 8 + 4, true)));
  };

  const wasi = {
    args_sizes_get(argcPtr: number, sizePtr: number): number {
      view().setUint32(argcPtr, argBytes.length, true);
      view().setUint32(sizePtr, argBytes.reduce((n, a) => n + a.length, 0), true);
      return SUCCESS;
    },
    args_get(argvPtr: number, bufPtr: number): number {
      let at = bufPtr;
      argBytes.forEach((a, i) => {
        view().setUint32(argvPtr + i * 4, at, true);
        bytesAt(at, a.length).set(a);
        at += a.length;
      });
      return SUCCESS;
    },
    clock_time_get(_id: number, _precision: bigint, timePtr: number): number {
      view().setBigUint64(timePtr, BigInt(Date.now()) * 1_000_000n, true);
      return SUCCESS;
    },
    fd_close(fd: number): number {
      return fds.delete(fd) ? SUCCESS : EBADF;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      const d = fds.get(fd);
      if (d === undefined) return EBADF;
      const v = view();
      v.setUint8(statPtr, d.kind === 'stdio' ? CHARACTER_DEVICE : d.kind === 'dir' ? DIRECTORY : REGULAR_FILE);
      v.setUint16(statPtr + 2, d.kind === 'file' && d.append ? FDFLAGS_APPEND : 0, true);
      v.setBigUint64(statPtr + 8, ALL_RIGHTS, true);
      v.setBigUint64(statPtr + 16, ALL_RIGHTS, true);
      return SUCCESS;
    },
    fd_fdstat_set_flags(fd: number): number {
      return fds.has(fd) ? SUCCESS : EBADF;
    },
    fd_prestat_get(fd: number, prestatPtr: number): number {
      // Only fd 3 is preopened; EBADF past it ends libc's scan of preopens.
      if (fd !== 3) return EBADF;
      view().setUint8(prestatPtr, 0);
      view().setUint32(prestatPtr + 4, dirName.length, true);
      return SUCCESS;
    },
    fd_prestat_dir_name(fd: number, pathPtr: number, pathLen: number): number {
      if (fd !== 3) return EBADF;
      bytesAt(pathPtr, Math.min(pathLen, dirName.length)).set(dirName.subarray(0, pathLen));
      return SUCCESS;
    },
    fd_read(fd: number, iovsPtr: number, iovsLen: number, nreadPtr: number): number {
      const d = fds.get(fd);
      if (d === undefined) return EBADF;
      let read = 0;
      if (d.kind === 'file') {
        for (const buf of iovecs(iovsPtr, iovsLen)) {
          const chunk = d.file.bytes.subarray(d.position, Math.min(d.file.size, d.position + buf.length));
          buf.set(chunk);
          d.position += chunk.length;
          read += chunk.length;
          if (chunk.length < buf.length) break;
        }
      } else if (d.kind === 'dir') {
        return EISDIR;
      }
      // stdin is empty.
      view().setUint32(nreadPtr, read, true);
      return SUCCESS;
    },
    fd_write(fd: number, iovsPtr: number, iovsLen: number, nwrittenPtr: number): number {
      const d = fds.get(fd);
      if (d === undefined) return EBADF;
      if (d.kind === 'dir') return EISDIR;
      let written = 0;
      for (const buf of iovecs(iovsPtr, iovsLen)) {
        if (d.kind === 'stdio') {
          // Kept short: it is only read back for an error message.
          if (output.length < 4096) output += decoder.decode(buf);
        } else {
          if (d.append) d.position = d.file.size;
          d.file.write(d.position, buf.slice());
          d.position += buf.length;
        }
        written += buf.length;
      }
      view().setUint32(nwrittenPtr, written, true);
      return SUCCESS;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
      const d = fds.get(fd);
      if (d === undefined) return EBADF;
      if (d.kind !== 'file') return EINVAL;
      const base = whence === 0 ? 0 : whence === 1 ? d.position : whence === 2 ? d.file.size : -1;
      const position = base + Number(offset);
      if (base < 0 || position < 0) return EINVAL;
      d.position = position;
      view().setBigUint64(newOffsetPtr, BigInt(position), true);
      return SUCCESS;
    },
    path_open(dirFd: number, _dirflags: number, pathPtr: number, pathLen: number, oflags: number, _base: bigint, _inheriting: bigint, fdflags: number, fdPtr: number): number {
      if (fds.get(dirFd)?.kind !== 'dir') return EBADF;
      const name = decoder.decode(bytesAt(pathPtr, pathLen)).replace(/^\.\//, '');
      if (name === '' || name === '.') {
        if ((oflags & O_CREAT) !== 0) return EISDIR;
        const fd = nextFd++;
        fds.set(fd, { kind: 'dir' });
        view().setUint32(fdPtr, fd, true);
        return SUCCESS;
      }
      // One flat directory: no subdirectories, no way out of it.
      if (name.includes('/')) return ENOENT;
      if ((oflags & O_DIRECTORY) !== 0) return ENOTDIR;
      let file = files.get(name);
      if (file === undefined) {
        if ((oflags & O_CREAT) === 0) return ENOENT;
        file = new MemoryFile();
        files.set(name, file);
      } else if ((oflags & O_CREAT) !== 0 && (oflags & O_EXCL) !== 0) {
        return EEXIST;
      }
      if ((oflags & O_TRUNC) !== 0) file.size = 0;
      const fd = nextFd++;
      fds.set(fd, { kind: 'file', file, position: 0, append: (fdflags & FDFLAGS_APPEND) !== 0 });
      view().setUint32(fdPtr, fd, true);
      return SUCCESS;
    },
    proc_exit(code: number): never {
      throw new ProcExit(code);
    },
  };

  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory as { buffer: ArrayBuffer };
  const start = instance.exports._start as () => void;
  let code = 0;
  try {
    start();
  } catch (thrown) {
    if (!(thrown instanceof ProcExit)) throw thrown;
    code = thrown.code;
  }
  return { code, files: new Map([...files].map(([name, f]) => [name, f.contents()])), output };
}
