import { FieldError } from '../http/field-error';
import { decodeContent } from './request-content';

describe('decodeContent', () => {
  it('decodes utf8 (the default) and canonical base64 exactly', () => {
    const problems: FieldError[] = [];
    expect(decodeContent('héllo', undefined, 'stdin', problems)).toEqual(Buffer.from('héllo'));
    expect(decodeContent('AP/+YQ==', 'base64', 'stdin', problems)).toEqual(Buffer.from([0x00, 0xff, 0xfe, 0x61]));
    expect(decodeContent('', 'base64', 'stdin', problems)).toEqual(Buffer.alloc(0));
    expect(problems).toEqual([]);
  });

  it.each(['AP/+YQ', 'a$b=', 'AP/+ YQ==', 'AP/+YQ==='])('refuses %j as base64, naming the field', (text) => {
    const problems: FieldError[] = [];
    decodeContent(text, 'base64', 'tests[2].stdin', problems);
    expect(problems).toEqual([{ field: 'tests[2].stdin', message: expect.stringContaining('base64') }]);
  });
});
