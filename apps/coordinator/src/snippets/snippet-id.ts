import { randomBytes } from 'node:crypto';

const ID_BYTES = 12;
const ID_SHAPE = /^[A-Za-z0-9_-]{16}$/;

/**
 * A share link's id: 96 random bits in 16 URL-safe characters. Short enough
 * to paste, and a link is its own secret: ids cannot be guessed or listed.
 */
export function newSnippetId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** Whether a path segment could be a snippet id at all (anything else is a 404 without asking Redis). */
export function isSnippetId(value: string): boolean {
  return ID_SHAPE.test(value);
}
