import { describe, expect, it } from 'vitest';
import { EmotionStream, stripEmotionTags, toEmotion } from '../companion/persona';
import type { Emotion } from '../protocol';

function run(chunks: string[]) {
  const events: Array<['emotion', Emotion] | ['text', string]> = [];
  const s = new EmotionStream({ onEmotion: (e) => events.push(['emotion', e]), onText: (t) => events.push(['text', t]) });
  for (const c of chunks) s.push(c);
  const end = s.finish();
  const emotions = events.filter((e) => e[0] === 'emotion').map((e) => e[1]);
  const text = events
    .filter((e) => e[0] === 'text')
    .map((e) => e[1])
    .join('');
  return { events, emotions, text, end };
}

/** Every way of cutting `input` into two and three pieces. */
function splits(input: string): string[][] {
  const out: string[][] = [[input], [...input]];
  for (let i = 1; i < input.length; i++) {
    out.push([input.slice(0, i), input.slice(i)]);
    for (let j = i + 1; j < input.length; j++) out.push([input.slice(0, i), input.slice(i, j), input.slice(j)]);
  }
  return out;
}

describe('EmotionStream', () => {
  const cases: Array<[string, Emotion, string]> = [
    ['<emotion=happy> Hello there!', 'happy', 'Hello there!'],
    ['  \n<emotion=teasing>Hmph, fine.', 'teasing', 'Hmph, fine.'],
    ['<emotion = shy >I... thanks.', 'shy', 'I... thanks.'],
    ['<EMOTION=Serious> Look at line 3.', 'serious', 'Look at line 3.'],
    ['<emotion=furious> Grr.', 'neutral', 'Grr.'],
    ['<emotion=> Empty.', 'neutral', 'Empty.'],
    ['No tag at all.', 'neutral', 'No tag at all.'],
    ['<b>bold</b> is html', 'neutral', '<b>bold</b> is html'],
    ['a < b and c <emo d', 'neutral', 'a < b and c <emo d'],
    ['<emotion=calm> One. <emotion=sad> Two.', 'calm', 'One. Two.'],
    ['<emotionless> text', 'neutral', '<emotionless> text'],
  ];
  for (const [input, emotion, text] of cases) {
    it(`parses ${JSON.stringify(input)} at every split`, () => {
      for (const chunks of splits(input)) {
        const r = run(chunks);
        expect(r.emotions, JSON.stringify(chunks)).toEqual([emotion]);
        expect(r.text, JSON.stringify(chunks)).toBe(text);
        expect(r.end).toEqual({ emotion, text });
      }
    });
  }

  it('reports the emotion before any text, as soon as the tag closes', () => {
    const events: string[] = [];
    const s = new EmotionStream({ onEmotion: (e) => events.push(`e:${e}`), onText: (t) => events.push(`t:${t}`) });
    s.push('<emotion=hap');
    expect(events).toEqual([]);
    s.push('py>');
    expect(events).toEqual(['e:happy']);
    s.push(' Hi');
    expect(events).toEqual(['e:happy', 't:Hi']);
  });

  it('reports neutral at the first visible text when there is no tag', () => {
    const events: string[] = [];
    const s = new EmotionStream({ onEmotion: (e) => events.push(`e:${e}`), onText: (t) => events.push(`t:${t}`) });
    s.push('Once');
    expect(events).toEqual(['e:neutral', 't:Once']);
  });

  it('reports neutral for an empty reply', () => {
    expect(run(['  ']).end).toEqual({ emotion: 'neutral', text: '' });
    expect(run(['<emotion=happy>']).end).toEqual({ emotion: 'happy', text: '' });
  });

  it('releases a dangling tag start at the end as text', () => {
    expect(run(['Look: <emot']).text).toBe('Look: <emot');
  });

  it('maps names', () => {
    expect(toEmotion(' Happy ')).toBe('happy');
    expect(toEmotion('angry')).toBe('neutral');
    expect(stripEmotionTags('<emotion=happy> Hi <emotion = sad>there')).toBe('Hi there');
  });
});
