import { signalNumber } from './signal-numbers';

describe('signalNumber', () => {
  it('reverses the names Kiln reports', () => {
    expect(signalNumber('SIGSEGV')).toBe(11);
    expect(signalNumber('SIGKILL')).toBe(9);
    expect(signalNumber('SIGXFSZ')).toBe(25);
    expect(signalNumber('SIG40')).toBe(40);
    expect(signalNumber(null)).toBeNull();
    expect(signalNumber('SIGNOPE')).toBeNull();
  });
});
