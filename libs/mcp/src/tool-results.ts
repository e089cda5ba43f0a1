import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The image types an assistant is shown as pictures (MCP image content); other files stay data. */
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** The image type of a file name, or null when it is not a picture an assistant can be shown. */
export function imageTypeOf(name: string): string | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return extension && Object.hasOwn(IMAGE_TYPES, extension) ? IMAGE_TYPES[extension] : null;
}

export interface ImageData {
  /** base64 */
  data: string;
  mimeType: string;
}

/**
 * A tool's answer: a text for the assistant to read, the same facts as
 * structured content (checked against the tool's output schema), and any
 * pictures among them as image content.
 */
export function toolResult(text: string, structured: Record<string, unknown>, images: ImageData[] = []): CallToolResult {
  return {
    content: [{ type: 'text', text }, ...images.map((image) => ({ type: 'image' as const, ...image }))],
    structuredContent: structured,
  };
}

/** A block of program output in a text answer, or nothing when it is empty. */
export function outputBlock(title: string, text: string | undefined): string {
  return text ? `--- ${title} ---\n${text}${text.endsWith('\n') ? '' : '\n'}` : '';
}

/** The pictures among a run's output files. */
export function imagesOf(files: { name: string; content: string }[]): ImageData[] {
  return files.flatMap((file) => {
    const mimeType = imageTypeOf(file.name);
    return mimeType ? [{ data: file.content, mimeType }] : [];
  });
}
