/** The public origin of a served emulator (kept apart: the CLI's argument parser checks it too). */

/**
 * The origin of a `publicUrl`: an http(s) URL with nothing after the origin but an optional `/`.
 * Throws a `TypeError` naming the rule otherwise.
 */
export function publicOrigin(publicUrl: string, name = 'publicUrl'): string {
  let url: URL | undefined;
  try {
    url = new URL(publicUrl);
  } catch {
    // refused below
  }
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    /[?#]/.test(publicUrl)
  ) {
    throw new TypeError(
      `${name} must be an http(s) origin such as http://protekt:8787 (no path, query or credentials)`,
    );
  }
  return url.origin;
}
