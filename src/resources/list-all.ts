/** `listAll`: a resource's `list`, page after page, as an async iterator. */
import { ProtektError } from '../errors/protekt-error.js';
import type { ProtektApiError, RequestOptions } from '../types.js';
import { describedBy, type MethodBuilder, type ResourceContext } from './operation.js';

/** What a page of a list answers with, besides its items. */
type Page = {
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
  readonly error: ProtektApiError | null;
};

/**
 * The `listAll` of the `list` operation of `resource`: its pages in turn, following `nextCursor`
 * while `hasMore`, yielding each page's `items` field. An iterator has no `error` field, so an
 * API error on a page ends it with a `ProtektError` of code `api_error` whose `details.code` is
 * the API's code.
 */
export function listAllOf<F>(
  list: MethodBuilder<unknown>,
  resource: string,
  items: string,
): MethodBuilder<F> {
  const build = (context: ResourceContext): F => {
    const page = list(context, `${resource}.list`) as (
      params: object,
      options?: RequestOptions,
    ) => Promise<Page>;
    return async function* (params: object = {}, options?: RequestOptions) {
      let cursor: string | undefined;
      do {
        const result = await page(
          { ...params, ...(cursor === undefined ? {} : { cursor }) },
          options,
        );
        const { error } = result;
        if (error) {
          throw new ProtektError(
            'api_error',
            `${resource}.listAll stopped: Protekt answered a page with ${error.code}: ${error.message}`,
            { status: error.status, details: { code: error.code } },
          );
        }
        yield* (result as unknown as Record<string, unknown[]>)[items]!;
        cursor = (result.hasMore && result.nextCursor) || undefined;
      } while (cursor);
    } as F;
  };
  return Object.assign(build, { synchronous: true as const, ...describedBy(list) });
}
