// Vendors' documented install one-liners. `curl https://sh.rustup.rs | sh` is how
// Rust is installed; it still runs unreviewed code, so it is reported (high), but it
// is the vendor's own channel, not a stranger's server, so it does not block by
// default. Only HTTPS URLs on the vendor's own host (and path) count; general
// hosting (gists, raw files of arbitrary repositories, pastebins, IP addresses)
// never does.

const VENDOR_INSTALLERS: readonly RegExp[] = [
  /^sh\.rustup\.rs(?:\/|$)/,
  /^(?:www\.)?astral\.sh\/(?:uv|ruff)\//,
  /^raw\.githubusercontent\.com\/Homebrew\/install\//,
  /^claude\.ai\/install\.(?:sh|ps1|cmd)$/,
  /^(?:get|test)\.docker\.com\/?$/,
  /^deb\.nodesource\.com\/setup_/,
  /^rpm\.nodesource\.com\/setup_/,
  /^bun\.sh\/install(?:\.ps1)?$/,
  /^deno\.land\/install\.(?:sh|ps1)$/,
  /^fnm\.vercel\.app\/install$/,
  /^get\.pnpm\.io\/install\.(?:sh|ps1)$/,
  /^install\.python-poetry\.org\/?$/,
  /^pyenv\.run\/?$/,
  /^raw\.githubusercontent\.com\/nvm-sh\/nvm\//,
  /^sdk\.cloud\.google\.com\/?$/,
  /^ollama\.com\/install\.sh$/,
  /^tailscale\.com\/install\.sh$/,
  /^get\.helm\.sh\//,
  /^raw\.githubusercontent\.com\/helm\/helm\/[^/]+\/scripts\/get-helm-3$/,
  /^mise\.run\/?$/,
  /^starship\.rs\/install\.sh$/,
  /^(?:www\.)?opencode\.ai\/install$/,
  /^cli\.github\.com\//,
  /^(?:apt|packages)\.llvm\.org\/llvm\.sh$/,
  /^dot\.net\/v1\/dotnet-install\.(?:sh|ps1)$/,
  /^get\.sdkman\.io\/?$/,
  /^install\.determinate\.systems\/nix\/?$/,
  /^nixos\.org\/nix\/install$/,
  /^foundry\.paradigm\.xyz\/?$/,
  /^get\.tur\.so\/install\.sh$/,
];

const URL_IN_TEXT = /\b(https?):\/\/([^\s'"`|)<>;&\\]+)/gi;

/** Whether the download in `command` comes only from vendors' documented installers over HTTPS. */
export function isVendorInstaller(command: string): boolean {
  let found = false;
  URL_IN_TEXT.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_IN_TEXT.exec(command)) !== null) {
    if (m[1].toLowerCase() !== 'https') return false;
    const target = m[2].replace(/[.,:]+$/, '');
    const host = target.split('/')[0].toLowerCase();
    const rest = target.slice(host.length);
    if (!VENDOR_INSTALLERS.some((re) => re.test(host + rest))) return false;
    found = true;
  }
  return found;
}
