/**
 * What this client itself ended is refused at once (`token_revoked`, reason `ended_here`), whatever
 * its caches hold: one token, a session, a user's sessions, a disabled or deleted user within the
 * clock tolerance. Local verification only (no revocation check), against the fake of _helpers.ts.
 */
import { describe, expect, it } from 'vitest';
import { fakeWith } from './_helpers.js';

const ENDED_HERE = {
  code: 'token_revoked',
  status: 401,
  details: { reason: 'ended_here' },
  message:
    'The token was ended by this client (logout, revoked session, user disabled or deleted): the user must sign in again.',
};

async function setup() {
  const fake = await fakeWith('ES256');
  const v = fake.verifier({ revocationCheck: false });
  return { fake, v };
}

describe('ending one token or one session', () => {
  it('endings.token refuses that token only; anything that is not a JWS is ignored', async () => {
    const { fake, v } = await setup();
    const ended = await fake.sign({ sid: 'ses_1' });
    const sibling = await fake.sign({ sid: 'ses_1' });
    expect((await v.verify(ended)).error).toBeNull();
    v.endings.token('not a token');
    v.endings.token(ended);
    expect((await v.verify(ended)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(sibling)).error).toBeNull();
  });

  it('endings.sessionOf refuses the token and every token of its session', async () => {
    const { fake, v } = await setup();
    const current = await fake.sign({ sid: 'ses_a' });
    const sameSession = await fake.sign({ sid: 'ses_a' });
    const otherSession = await fake.sign({ sid: 'ses_b' });
    v.endings.sessionOf('garbage');
    v.endings.sessionOf(current);
    expect((await v.verify(current)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(sameSession)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(otherSession)).error).toBeNull();
  });

  it('endings.sessionOf a token without sid ends that token alone', async () => {
    const { fake, v } = await setup();
    const lone = await fake.sign();
    const other = await fake.sign();
    v.endings.sessionOf(lone);
    expect((await v.verify(lone)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(other)).error).toBeNull();
  });

  it('endings.session refuses every token carrying that sid, cached or not', async () => {
    const { fake, v } = await setup();
    const cached = await fake.sign({ sid: 'ses_x' });
    expect((await v.verify(cached)).error).toBeNull();
    const fresh = await fake.sign({ sid: 'ses_x' });
    v.endings.session('ses_x');
    expect((await v.verify(cached)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(fresh)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(await fake.sign({ sid: 'ses_y' }))).error).toBeNull();
  });
});

describe('what the endings read from a token', () => {
  it('a JWS whose payload cannot be read, or a sid that is not a string, ends nothing else', async () => {
    const { fake, v } = await setup();
    const numericSid = await fake.sign({ sid: 5 });
    const sameNumericSid = await fake.sign({ sid: 5 });
    const [h, , s] = numericSid.split('.');
    v.endings.sessionOf(`${h}.%%%%.${s}`);
    v.endings.token(`${h}.%%%%.${s}`);
    v.endings.sessionOf(numericSid);
    expect((await v.verify(numericSid)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(sameNumericSid)).error).toBeNull();
  });
});

describe("ending a user's sessions", () => {
  it('sessionsOfUser without keepCurrent ends every verified token of the user', async () => {
    const { fake, v } = await setup();
    const current = await fake.sign({ sid: 'ses_1' });
    const other = await fake.sign({ sid: 'ses_2' });
    const someoneElse = await fake.sign({ sub: 'usr_other', sid: 'ses_3' });
    for (const token of [current, other, someoneElse])
      expect((await v.verify(token)).error).toBeNull();
    v.endings.sessionsOfUser(current, false);
    expect((await v.verify(current)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(other)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(someoneElse)).error).toBeNull();
  });

  it('sessionsOfUser with keepCurrent keeps the tokens of the current session', async () => {
    const { fake, v } = await setup();
    const current = await fake.sign({ sid: 'ses_1' });
    const sameSession = await fake.sign({ sid: 'ses_1' });
    const other = await fake.sign({ sid: 'ses_2' });
    for (const token of [current, sameSession, other]) {
      expect((await v.verify(token)).error).toBeNull();
    }
    v.endings.sessionsOfUser(current, true);
    expect((await v.verify(current)).error).toBeNull();
    expect((await v.verify(sameSession)).error).toBeNull();
    expect((await v.verify(other)).error).toMatchObject(ENDED_HERE);
  });

  it('sessionsOfUser of something that is not a token, or has no sub, ends nothing', async () => {
    const { fake, v } = await setup();
    const token = await fake.sign({ sid: 'ses_1' });
    expect((await v.verify(token)).error).toBeNull();
    v.endings.sessionsOfUser('not.a.token', false);
    const [h, , s] = token.split('.');
    const noSub = `${h}.${btoa('{"sid":"ses_1"}').replace(/=+$/, '')}.${s}`;
    v.endings.sessionsOfUser(noSub, false);
    expect((await v.verify(token)).error).toBeNull();
  });
});

describe('a disabled or deleted user', () => {
  it("refuses the user's tokens issued up to the end plus the clock tolerance (5 s)", async () => {
    const { fake, v } = await setup();
    const now = fake.clock.seconds;
    const before = await fake.sign({ iat: now - 60 });
    const atTolerance = await fake.sign({ iat: now + 5 });
    const after = await fake.sign({ iat: now + 6, exp: now + 3600 });
    const otherUser = await fake.sign({ sub: 'usr_other' });
    expect((await v.verify(before)).error).toBeNull();
    v.endings.user('usr_9klabc', true);
    expect((await v.verify(before)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(atTolerance)).error).toMatchObject(ENDED_HERE);
    expect((await v.verify(otherUser)).error).toBeNull();
    fake.clock.advance(6);
    expect((await v.verify(after)).error).toBeNull();
  });

  it('a user enabled again gets new tokens accepted', async () => {
    const { fake, v } = await setup();
    v.endings.user('usr_9klabc', true);
    const early = await fake.sign();
    expect((await v.verify(early)).error).toMatchObject(ENDED_HERE);
    v.endings.user('usr_9klabc', false);
    expect((await v.verify(await fake.sign())).error).toBeNull();
  });
});
