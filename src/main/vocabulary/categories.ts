/** The product's categories and the words that name them: what zoo, text, gmn and the app share. */

/** ShapeNet's 13 categories, in the order the paper lists them. */
export const CATEGORIES = [
  'airplane',
  'bench',
  'cabinet',
  'car',
  'chair',
  'display',
  'lamp',
  'speaker',
  'rifle',
  'sofa',
  'table',
  'phone',
  'watercraft',
] as const;

export type Category = (typeof CATEGORIES)[number];

/** Words that name each category; the first is the category's own name. */
export const CATEGORY_NOUNS: Readonly<Record<Category, readonly string[]>> = {
  airplane: ['airplane', 'plane', 'aircraft', 'aeroplane'],
  bench: ['bench'],
  cabinet: ['cabinet', 'cupboard', 'storage cabinet'],
  car: ['car', 'automobile', 'vehicle'],
  chair: ['chair', 'seat'],
  display: ['display', 'monitor', 'screen'],
  lamp: ['lamp', 'light'],
  speaker: ['speaker', 'loudspeaker'],
  rifle: ['rifle', 'gun'],
  sofa: ['sofa', 'couch', 'settee'],
  table: ['table'],
  phone: ['phone', 'cellphone', 'mobile phone', 'cell phone'],
  watercraft: ['boat', 'watercraft', 'vessel'],
};

/** Extra nouns that fit only some subtypes (a glider is no jet, a rowboat no ship). */
export const SUBTYPE_NOUNS: Readonly<Record<string, readonly string[]>> = {
  airliner: ['jet', 'passenger jet'],
  'fighter jet': ['jet', 'fighter'],
  'cargo ship': ['ship', 'freighter'],
  'cruise ship': ['ship', 'cruise liner'],
  television: ['TV', 'screen'],
  'computer monitor': ['computer screen'],
  smartphone: ['smartphone', 'cellphone'],
  'sports car': ['sports car', 'coupe'],
  desk: ['desk', 'writing desk'],
  'floor-standing speaker': ['tower speaker'],
};
