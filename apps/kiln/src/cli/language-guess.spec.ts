import { guessLanguage } from './language-guess';

const summary = (id: string, aliases: string[] = []) => ({ id, name: id, version: '1', aliases, compiled: false });
const server = ['python', 'javascript', 'typescript', 'bash', 'c', 'cpp', 'go', 'java', 'rust', 'csharp', 'ruby', 'php', 'perl', 'lua'].map((id) => summary(id));

describe('guessLanguage', () => {
  it.each([
    ['hello.py', 'python'],
    ['dir/app.MJS', 'javascript'],
    ['x.ts', 'typescript'],
    ['run.sh', 'bash'],
    ['main.c', 'c'],
    ['main.cc', 'cpp'],
    ['Main.java', 'java'],
    ['main.rs', 'rust'],
    ['prog.cs', 'csharp'],
    ['x.rb', 'ruby'],
    ['x.pl', 'perl'],
    ['x.lua', 'lua'],
  ])('%s is %s', (file, language) => {
    expect(guessLanguage(file, server)).toBe(language);
  });

  it("uses the server's own ids and aliases for an extension the table does not know", () => {
    expect(guessLanguage('sum.awk', [...server, summary('awk', ['mawk'])])).toBe('awk');
    expect(guessLanguage('sum.mawk', [...server, summary('awk', ['mawk'])])).toBe('awk');
  });

  it('never guesses a language the server does not have', () => {
    expect(guessLanguage('x.py', [summary('c')])).toBeNull();
    expect(guessLanguage('Makefile', server)).toBeNull();
    expect(guessLanguage('x.unknown', server)).toBeNull();
  });
});
