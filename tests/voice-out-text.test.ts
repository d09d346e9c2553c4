// What Alisa says: cleaning (tags, markdown, code, links) and the streaming sentence splitter,
// which must cut the same units however the reply's text was split into tokens.
import { describe, expect, it } from 'vitest';
import { cleanForSpeech, CODE_STAND_IN } from '../companion/voice/clean';
import { MAX_UNIT, SentenceSplitter, splitSentences } from '../companion/voice/sentences';

describe('cleanForSpeech', () => {
  const cases: Array<[string, string]> = [
    ['<emotion=happy>Hi there!', 'Hi there!'],
    ['< emotion = teasing >Oh, you again?', 'Oh, you again?'],
    ['Sure <emotion=shy> thing.', 'Sure thing.'],
    ['Happy: I fixed it.', 'I fixed it.'],
    ['*teasing* Took you long enough.', 'Took you long enough.'],
    ['(shy) Thanks.', 'Thanks.'],
    ['happy', ''],
    ['Calm.', ''],
    ['I am happy to help.', 'I am happy to help.'],
    ['A calm-looking sea.', 'A calm-looking sea.'],
    ['emotion=sad Oh no.', 'Oh no.'],
    ['**Bold** and *italic* and __strong__ and _em_.', 'Bold and italic and strong and em.'],
    ['## Heading here', 'Heading here'],
    ['> quoted words', 'quoted words'],
    ['- first item', 'first item'],
    ['* star item', 'star item'],
    ['1. numbered item', '1. numbered item'],
    ['Run `npm test` now.', 'Run npm test now.'],
    ['Use ``a `b` c`` here.', 'Use a b c here.'],
    ['See [the docs](https://example.com/docs) for more.', 'See the docs for more.'],
    ['Go to https://example.com/a?b=c.', 'Go to a link.'],
    ['Visit www.example.org, then come back.', 'Visit a link, then come back.'],
    ['Mail <https://x.y/z> me.', 'Mail a link me.'],
    ['![logo](img.png) Nice.', 'logo Nice.'],
    ['| Name | Age |', 'Name, Age'],
    ['|------|-----|', ''],
    ['~~old~~ new', 'old new'],
    ['snake_case_name works', 'snake case name works'],
    ['I love C# and F#.', 'I love C sharp and F sharp.'],
    ['a -> b', 'a b'],
    ['  lots   of\n\n spaces\t here ', 'lots of spaces here'],
    ['Here:\n```ts\nconst a = 1;\n```', `Here: ${CODE_STAND_IN}`],
    ['```js\nconsole.log("hi")\n```', CODE_STAND_IN],
    ['```\nunclosed code', CODE_STAND_IN],
    ['<b>bold</b> text', 'bold text'],
    ['Is 3 < 4 and 5 > 2?', 'Is 3 4 and 5 2?'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      expect(cleanForSpeech(input)).toBe(expected);
    });
  }

  it('never speaks a URL, a tag, a backtick or markdown symbols', () => {
    const text = cleanForSpeech('<emotion=happy># Title\n> **Note**: see https://a.b/c and `x_y`.\n- [link](http://q.r)\n| a | b |');
    expect(text).not.toMatch(/https?:|<|>|`|\*|#|\||emotion/);
  });
});

describe('SentenceSplitter', () => {
  const cases: Array<[string, string[]]> = [
    ['Hello there. How are you? Fine!', ['Hello there.', 'How are you?', 'Fine!']],
    ['Wait… what?! Really.', ['Wait…', 'what?!', 'Really.']],
    ['Use e.g. this one. Then stop.', ['Use e.g. this one.', 'Then stop.']],
    ['That is, i.e. the same. Ok.', ['That is, i.e. the same.', 'Ok.']],
    ['Pi is 3.14 roughly. Yes.', ['Pi is 3.14 roughly.', 'Yes.']],
    ['Update to v2.0 now. Done.', ['Update to v2.0 now.', 'Done.']],
    ['Open app.ts and look. Then fix it.', ['Open app.ts and look.', 'Then fix it.']],
    ['Ask Dr. Smith. He knows.', ['Ask Dr. Smith.', 'He knows.']],
    ['J. R. R. Tolkien wrote it. Read it.', ['J. R. R. Tolkien wrote it.', 'Read it.']],
    ['He said "stop." Then left.', ['He said "stop."', 'Then left.']],
    ['(Really.) Yes.', ['(Really.)', 'Yes.']],
    ['**Done.** Next step.', ['**Done.**', 'Next step.']],
    ['First line\nSecond line', ['First line', 'Second line']],
    ['Para one.\n\nPara two.', ['Para one.', 'Para two.']],
    ['Steps:\n1. Install it.\n2. Run it.', ['Steps:', '1. Install it.', '2. Run it.']],
    ['- one\n- two', ['- one', '- two']],
    ['Look:\n```ts\nconst a = b.c();\nif (x) { y(); }\n```\nThat is it.', ['Look:', '```ts\nconst a = b.c();\nif (x) { y(); }\n```', 'That is it.']],
    ['Inline ```code. block``` here. End.', ['Inline', '```code. block```', 'here.', 'End.']],
    ['No ending', ['No ending']],
    ['', []],
    ['Trailing dot.', ['Trailing dot.']],
    ['Version 1. Next.', ['Version 1.', 'Next.']],
  ];
  for (const [input, expected] of cases) {
    it(`splits ${JSON.stringify(input)}`, () => {
      expect(splitSentences(input)).toEqual(expected);
    });
  }

  it('gives the same units for every split of the text into two pieces and for single characters', () => {
    const texts = [
      ...cases.map(([t]) => t),
      'Hi! I am Alisa. Here is code:\n```py\nprint("a. b")\n```\nSee https://x.y/z. And e.g. v1.2, app.ts… ok?\n\n- done\n| a | b |',
      `${'word '.repeat(120)}end. Next one.`,
      `${'a, b, '.repeat(80)}end.`,
    ];
    for (const text of texts) {
      const whole = splitSentences(text);
      for (let cut = 0; cut <= text.length; cut++) {
        const s = new SentenceSplitter();
        expect([...s.push(text.slice(0, cut)), ...s.push(text.slice(cut)), ...s.flush()], `cut at ${cut} of ${JSON.stringify(text)}`).toEqual(whole);
      }
      const s = new SentenceSplitter();
      const chars = [...text].flatMap((ch) => s.push(ch));
      expect([...chars, ...s.flush()]).toEqual(whole);
    }
  });

  it('yields a sentence as soon as the next token shows it ended, before the reply is done', () => {
    const s = new SentenceSplitter();
    expect(s.push('Hello there')).toEqual([]);
    expect(s.push('.')).toEqual([]); // could still be "there.com"
    expect(s.push(' How')).toEqual(['Hello there.']);
    expect(s.push(' are you?\n')).toEqual(['How are you?']);
    expect(s.flush()).toEqual([]);
  });

  it('holds a code block until its closing fence, as one unit', () => {
    const s = new SentenceSplitter();
    expect(s.push('Sure.\n``')).toEqual(['Sure.']);
    expect(s.push('`js\nlet a = 1. ')).toEqual([]);
    expect(s.push('\nfoo();\n`')).toEqual([]);
    expect(s.push('``\nBye.')).toEqual(['```js\nlet a = 1. \nfoo();\n```']);
    expect(s.flush()).toEqual(['Bye.']);
  });

  it('cuts very long runs at a comma or space', () => {
    const units = splitSentences(`${'blah, '.repeat(100)}end`);
    expect(units.length).toBeGreaterThan(1);
    for (const u of units) expect(u.length).toBeLessThanOrEqual(MAX_UNIT);
    expect(units.join(' ').replace(/\s+/g, ' ')).toBe(`${'blah, '.repeat(100)}end`.replace(/\s+/g, ' ').trim());
  });
});
