import type { JobView, OutputFile, StageResult } from '@kiln/client';
import { byId, element } from './dom';

/** The pictures a browser shows inline (an <img> never runs an SVG's scripts). */
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml' };

/**
 * The files a finished job returned (its `outputFiles`), under the output:
 * pictures shown inline, every file a download. The bytes are the answer's
 * own (base64), never fetched again.
 */
export class FilesView {
  private readonly box = byId('files');
  private readonly list = byId('file-list');
  private readonly note = byId('files-note');
  private urls: string[] = [];

  clear(): void {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.list.replaceChildren();
    this.box.hidden = true;
  }

  show(job: JobView): void {
    const stages: [string, StageResult | null][] = [['', job.run], ...job.tests.map((test): [string, StageResult | null] => [`Test ${test.index + 1}: `, 'stdout' in test ? test : null])];
    const asked = stages.some(([, stage]) => stage?.files !== undefined);
    for (const [prefix, stage] of stages) for (const file of stage?.files ?? []) this.list.append(this.item(prefix, file));
    const truncated = stages.some(([, stage]) => stage?.filesTruncated);
    this.note.textContent = truncated ? 'Some files matched but did not fit the output budget.' : this.list.childElementCount ? '' : 'No file matched.';
    this.box.hidden = !asked;
  }

  private item(prefix: string, file: OutputFile): HTMLLIElement {
    const item = element('li', '', 'file');
    const type = imageTypeOf(file.name);
    const url = URL.createObjectURL(new Blob([bytesOf(file.content)], { type: type ?? 'application/octet-stream' }));
    this.urls.push(url);
    const link = element('a', `${prefix}${file.name}`);
    link.href = url;
    link.download = file.name.split('/').pop() ?? file.name;
    const caption = element('span', '', 'file-caption');
    caption.append(link, ` (${sizeText(file.size)})`);
    if (type) {
      const image = element('img');
      image.src = `data:${type};base64,${file.content}`;
      image.alt = file.name;
      item.append(image);
    }
    item.append(caption);
    return item;
  }
}

function imageTypeOf(name: string): string | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return extension && Object.hasOwn(IMAGE_TYPES, extension) ? IMAGE_TYPES[extension] : null;
}

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}
