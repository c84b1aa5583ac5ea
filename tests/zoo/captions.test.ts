import { describe, expect, it } from 'vitest';
import { CATEGORY_NOUNS, SUBTYPE_NOUNS } from '../../src/main/vocabulary/categories';
import { caption, captions, objectNouns } from '../../src/main/vocabulary/captions';
import { generateObject } from '../../src/main/zoo/objects';
import { seededRandom } from '../../src/main/compute/init';
import type { Attributes } from '../../src/main/vocabulary/captions';
import { CATEGORIES } from '../../src/main/vocabulary/categories';

const chair: Attributes = {
  category: 'chair',
  subtype: 'office chair',
  colours: ['red', 'black'],
  size: ['tall'],
  features: [
    { tag: 'tall back', phrase: 'a tall back', adjective: 'tall-backed' },
    { tag: 'thin legs', phrase: 'thin legs', adjective: 'thin-legged' },
    { tag: 'arms', phrase: 'armrests' },
  ],
};

function namesObject(text: string, attributes: Attributes): boolean {
  return objectNouns(attributes).some((noun) => text.includes(noun));
}

describe('captions', () => {
  it('always name the main colour and the object', () => {
    const next = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const text = caption(chair, next);
      expect(text).toContain('red');
      expect(namesObject(text, chair), text).toBe(true);
    }
  });

  it('vary their wording, attributes and nouns', () => {
    const next = seededRandom(9);
    const texts = new Set(Array.from({ length: 200 }, () => caption(chair, next)));
    expect(texts.size).toBeGreaterThan(50);
    const all = [...texts].join('\n');
    for (const phrase of ['tall-backed', 'with a tall back', ' in red', 'office chair', 'seat', 'red and black']) expect(all).toContain(phrase);
    expect([...texts].some((t) => !t.includes('armrests') && !t.includes('arms'))).toBe(true);
  });

  it('give distinct captions per object, deterministic for the seed', () => {
    expect(captions(chair, 1, 3)).toEqual(captions(chair, 1, 3));
    expect(new Set(captions(chair, 1, 5)).size).toBe(5);
  });

  it('mention colour and category for every zoo object, three distinct per object', () => {
    const named = { subtypeOnly: 0, total: 0 };
    for (const category of CATEGORIES) {
      for (let seed = 0; seed < 20; seed++) {
        const object = generateObject(category, seed);
        expect(object.captions, object.id).toHaveLength(3);
        expect(new Set(object.captions).size, object.id).toBe(3);
        for (const text of object.captions) {
          expect(text, object.id).toContain(object.attributes.colours[0]!);
          expect(namesObject(text, object.attributes), `${object.id}: ${text}`).toBe(true);
          if (!CATEGORY_NOUNS[category].some((noun) => text.includes(noun))) named.subtypeOnly++;
          named.total++;
        }
      }
    }
    // Most captions use a category word; the rest name a kind of it ("sedan", "wardrobe").
    expect(named.subtypeOnly / named.total).toBeLessThan(0.25);
  });

  it('use the category synonyms the brief names', () => {
    expect(CATEGORY_NOUNS.sofa).toContain('couch');
    expect(CATEGORY_NOUNS.airplane).toEqual(expect.arrayContaining(['plane', 'aircraft']));
    expect(SUBTYPE_NOUNS['airliner']).toContain('jet');
    expect(SUBTYPE_NOUNS['cargo ship']).toContain('ship');
    expect(CATEGORY_NOUNS.display).toEqual(expect.arrayContaining(['monitor', 'screen']));
    expect(CATEGORY_NOUNS.watercraft).toEqual(expect.arrayContaining(['boat']));
    expect(CATEGORY_NOUNS.phone).toEqual(expect.arrayContaining(['cellphone']));
  });
});
