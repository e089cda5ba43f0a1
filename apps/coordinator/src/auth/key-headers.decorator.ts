import { SetMetadata } from '@nestjs/common';

export const KEY_HEADERS = 'kiln:key-headers';

/**
 * More headers that carry a Kiln API key on these routes (lower case), for
 * clients of a compatible API that send their key their own way (Judge0's
 * X-Auth-Token). The key is checked exactly like X-Kiln-Key.
 */
export const AcceptKeyHeaders = (...headers: string[]) => SetMetadata(KEY_HEADERS, headers);
