// Shapes shared by plugin discovery (src/plugins) and the workspace (src/workspace).

/** One entry of a directory in a plugin source. Symlinks are reported, never followed. */
export interface SourceEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** 0o100644 / 0o100755 for files when known. */
  mode?: number;
}

/**
 * A read-only view of a plugin source: a directory on disk or a tree in a git repository.
 * Paths are POSIX, relative to the source root, '' is the root. Implementations never
 * follow symlinks and never resolve a path outside the root ('..' segments are rejected).
 */
export interface SourceTree {
  readonly kind: 'fs' | 'git';
  /** Human readable location, for messages ("/srv/plugins" or "/srv/repo.git@main:plugins"). */
  readonly display: string;
  /** Absolute directory for 'fs' sources; the git dir for 'git' sources. */
  readonly root: string;
  /** Entries of a directory, sorted by name; null when `rel` is missing or not a directory. */
  list(rel: string): SourceEntry[] | null;
  /** Kind of the entry at `rel` without following symlinks; null when missing. */
  stat(rel: string): SourceEntry['type'] | null;
  /** Contents of a regular file; null when missing or not a regular file. */
  read(rel: string): Buffer | null;
}

export type ManifestFormat =
  | 'claude' // .claude-plugin/plugin.json
  | 'codex' // .codex-plugin/plugin.json
  | 'cursor' // .cursor-plugin/plugin.json
  | 'bare' // no manifest, a skills/ folder
  | 'single-skill' // a SKILL.md at the plugin root
  | 'marketplace'; // an entry of .claude-plugin/marketplace.json

export interface SkillDecl {
  /** The skill's name: its folder name (what becomes skills/<name> in the workspace). */
  name: string;
  /** Folder of the skill, relative to the source root (POSIX). */
  path: string;
  /** Naming-rule findings that do not block (agentskills spec: lowercase, hyphens, 64 chars, name matches folder). */
  warnings: string[];
}

/** Where a plugin was found: the configured source and the folder in it (a remote entry: `<url>#<path>`). */
export interface PluginOrigin {
  source: string;
  folder: string;
}

/** A marketplace entry whose plugin lives in another repository (or another commit of its own). */
export interface RemoteRef {
  /** An https URL as written (`owner/repo` already expanded), or '.' for the marketplace's own repository. */
  url: string;
  ref?: string;
  sha?: string;
  /** Plugin folder inside that repository ('' = its root). */
  path: string;
}

/** Resolves remote marketplace entries from what was fetched; never touches the network. */
export interface RemoteResolver {
  resolve(ref: RemoteRef, from: SourceTree, pluginId: string): { source: SourceTree; path: string; folder: string } | { code: string; message: string };
}

export interface PluginManifest {
  /** Plugin id: validated, safe as a path segment and inside a git ref name. */
  id: string;
  /** Version string from the manifest, or '0.0.0' when none is declared. */
  version: string;
  description?: string;
  format: ManifestFormat;
  source: SourceTree;
  /** Plugin folder relative to the source root (POSIX, '' for the root itself). */
  path: string;
  /** The manifest file that defined it, relative to the source root, when there is one. */
  manifestPath?: string;
  /** Where it was found; a same-id plugin from another origin is not an update of this one. */
  origin: PluginOrigin;
  skills: SkillDecl[];
  warnings: string[];
}

export interface DiscoveryError {
  /** The configured source (display form). */
  source: string;
  /** Path inside the source where the problem is. */
  path: string;
  /** Plugin id when it could be determined. */
  pluginId?: string;
  /** Stable code, e.g. 'EMANIFEST_JSON', 'ENAME_UNSAFE', 'ESYMLINK', 'EPATH_ESCAPE'. */
  code: string;
  message: string;
}

export interface DiscoveryResult {
  plugins: PluginManifest[];
  errors: DiscoveryError[];
  /** Problems that hide nothing (a duplicate id in a later source, stale marketplace entries). */
  warnings?: DiscoveryError[];
}
