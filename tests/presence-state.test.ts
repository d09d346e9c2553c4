// Webcam presence: the state machine (pure, injected clock), table-tested.
import { describe, expect, it } from 'vitest';
import { PresenceMachine, attentionOf, type Observation } from '../companion/presence/state-machine';

const N: Observation = { kind: 'none' };
const F: Observation = { kind: 'face', yaw: 0.05 };
const A: Observation = { kind: 'face', yaw: -0.45 };
const U: Observation = { kind: 'face', yaw: null };
const CODES: Record<string, Observation> = { N, F, A, U };

/** Runs a frame string ("FFNNN...") one frame every `stepMs`; returns [frame index, state] changes. */
function run(frames: string, stepMs = 1500, m = new PresenceMachine()): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  [...frames].forEach((c, i) => {
    const s = m.observe(CODES[c]!, i * stepMs);
    if (s) out.push([i, s]);
  });
  return out;
}

describe('presence state machine', () => {
  it('classifies attention by yaw', () => {
    expect(attentionOf(N, 0.35)).toBe('none');
    expect(attentionOf(F, 0.35)).toBe('toward');
    expect(attentionOf(A, 0.35)).toBe('away');
    expect(attentionOf({ kind: 'face', yaw: 0.35 }, 0.35)).toBe('away');
    expect(attentionOf(U, 0.35)).toBe('unknown');
  });

  const table: Array<{ name: string; frames: string; want: Array<[number, string]> }> = [
    {
      name: 'a face: present after 2 frames, focused after 3',
      frames: 'FFFF',
      want: [
        [1, 'present'],
        [2, 'focused'],
      ],
    },
    { name: 'one face frame is not enough', frames: 'FNFN', want: [] },
    { name: 'nobody from the start: absent once 4 s have passed (frame 4)', frames: 'NNNN', want: [[3, 'absent']] },
    {
      name: 'leaving: absent after 3 no-face frames',
      frames: 'FFFNNNN',
      want: [
        [1, 'present'],
        [2, 'focused'],
        [5, 'absent'],
      ],
    },
    {
      name: 'one missed frame does not flip',
      frames: 'FFFNFFNFF',
      want: [
        [1, 'present'],
        [2, 'focused'],
      ],
    },
    {
      name: 'two missed frames do not flip',
      frames: 'FFFNNFF',
      want: [
        [1, 'present'],
        [2, 'focused'],
      ],
    },
    {
      name: 'coming back: present, then focused',
      frames: 'FFFNNNFFF',
      want: [
        [1, 'present'],
        [2, 'focused'],
        [5, 'absent'],
        [7, 'present'],
        [8, 'focused'],
      ],
    },
    {
      name: 'looking away: distracted after 3 frames',
      frames: 'FFFAAAA',
      want: [
        [1, 'present'],
        [2, 'focused'],
        [5, 'distracted'],
      ],
    },
    {
      name: 'one glance away does not flip',
      frames: 'FFFAFAFAF',
      want: [
        [1, 'present'],
        [2, 'focused'],
      ],
    },
    {
      name: 'back from distracted after 3 frames toward',
      frames: 'FFFAAAFFFF',
      want: [
        [1, 'present'],
        [2, 'focused'],
        [5, 'distracted'],
        [8, 'focused'],
      ],
    },
    {
      name: 'unknown direction keeps the state',
      frames: 'FFFUUUU',
      want: [
        [1, 'present'],
        [2, 'focused'],
      ],
    },
    { name: 'unknown direction only: present', frames: 'UUUU', want: [[1, 'present']] },
    {
      name: 'turned away from the start: present, then distracted',
      frames: 'AAAA',
      want: [
        [1, 'present'],
        [2, 'distracted'],
      ],
    },
    {
      name: 'distracted, then gone',
      frames: 'AAANNN',
      want: [
        [1, 'present'],
        [2, 'distracted'],
        [5, 'absent'],
      ],
    },
  ];
  for (const t of table) it(t.name, () => expect(run(t.frames)).toEqual(t.want));

  it('absent also needs the time: fast frames wait for absentMs', () => {
    // 3 no-face frames 500 ms apart are not 4 s: absent comes at the frame 4 s after the last face.
    expect(run('FFFNNNNNNNNNN', 500)).toEqual([
      [1, 'present'],
      [2, 'focused'],
      [10, 'absent'],
    ]);
  });

  it('distracted also needs the time', () => {
    expect(run('FFFAAAAAAAA', 500)).toEqual([
      [1, 'present'],
      [2, 'focused'],
      [9, 'distracted'],
    ]);
  });

  it('reset forgets the state', () => {
    const m = new PresenceMachine();
    run('FFF', 1500, m);
    expect(m.state).toBe('focused');
    m.reset();
    expect(m.state).toBeNull();
    expect(run('FF', 1500, m)).toEqual([[1, 'present']]);
  });

  it('thresholds are configurable', () => {
    const m = new PresenceMachine({ absentFrames: 1, absentMs: 0, appearFrames: 1, focusFrames: 1 });
    expect(run('FNF', 100, m)).toEqual([
      [0, 'focused'],
      [1, 'absent'],
      [2, 'focused'],
    ]);
  });
});
