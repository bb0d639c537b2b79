// executable-binary: native executables by magic number, whatever the file is named.
//
// Mach-O universal binaries and Java class files share the magic 0xCAFEBABE; like
// file(1), a count of architectures from 1 to 30 in the next word means Mach-O
// (a class file has its version there, major ≥ 45). Java class files, .jar/.zip
// archives and WebAssembly are not native code and are not reported.

/** A description of the executable format, or undefined. */
export function executableKind(b: Buffer): string | undefined {
  if (b.length < 4) return undefined;
  const be = b.readUInt32BE(0);
  switch (be) {
    case 0x7f454c46:
      return 'ELF executable';
    case 0xfeedface:
    case 0xcefaedfe:
      return 'Mach-O executable (32-bit)';
    case 0xfeedfacf:
    case 0xcffaedfe:
      return 'Mach-O executable (64-bit)';
    case 0xcafebabe:
    case 0xcafebabf: {
      if (b.length < 8) return undefined;
      const n = b.readUInt32BE(4);
      return n >= 1 && n <= 30 ? 'Mach-O universal binary' : undefined;
    }
    case 0xbebafeca: {
      if (b.length < 8) return undefined;
      const n = b.readUInt32LE(4);
      return n >= 1 && n <= 30 ? 'Mach-O universal binary' : undefined;
    }
  }
  // PE: "MZ", then e_lfanew at 0x3C points at "PE\0\0".
  if (b[0] === 0x4d && b[1] === 0x5a && b.length >= 0x40) {
    const off = b.readUInt32LE(0x3c);
    if (off >= 4 && off + 4 <= b.length && b.readUInt32BE(off) === 0x50450000) return 'Windows PE executable';
  }
  return undefined;
}
