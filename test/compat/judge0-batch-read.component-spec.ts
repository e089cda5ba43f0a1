import { useKiln } from '../support/kiln-suite';

const EMPTY_BATCH = 'there should be at least one submission in a batch';
const NO_TOKENS = `${EMPTY_BATCH}: give the submissions' tokens in the tokens query parameter, comma-separated (?tokens=a,b,c)`;

/**
 * GET /judge0/submissions/batch reads its tokens from the query, as
 * Judge0's batch_show does, and says so when there are none: Judge0's words
 * for an empty batch, then what the GET needs, so that it no longer reads as
 * the POST's refusal. The batches that run are judge0.e2e-spec.ts's.
 */
describe('Judge0 GET /submissions/batch', () => {
  const suite = useKiln({ worker: false });
  const http = () => suite.kiln.http();

  it.each(['', '?tokens=', '?tokens=%20', '?tokens=,,', '?fields=stdout'])('without tokens (%j) → 400 naming the tokens query parameter', async (query) => {
    const answer = await http().get(`/judge0/submissions/batch${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: NO_TOKENS });
  });

  it('a repeated tokens parameter is read as Rails reads it, the last one (not a 500)', async () => {
    const answer = await http().get('/judge0/submissions/batch?tokens=a,b&tokens=c');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ submissions: [null] });
  });

  it('the POST of an empty batch keeps Judge0’s words alone', async () => {
    const answer = await http().post('/judge0/submissions/batch').send({ submissions: [] });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: EMPTY_BATCH });
  });
});
