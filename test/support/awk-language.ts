import { TestLanguageTable, languagesWith } from './language-table';

/** The worked example of the README: awk, on the existing kiln/base image, added by configuration alone. */
export const AWK_ENTRY = `
  - id: awk
    name: AWK (mawk)
    version: "1.3.4"
    aliases: [mawk]
    image: kiln/base:latest
    file: main.awk
    run: [awk, -f, "{file}", "{args}"]
    versionCommand: [mawk, -W, version]
`;

/** The shipped language table (or the one in use, KILN_LANGUAGES) with awk appended (language-table.ts). */
export function languagesWithAwk(): TestLanguageTable {
  return languagesWith(AWK_ENTRY);
}
