/**
 * The small text the in-page models learn from. Written for these docs: short, regular sentences with a small
 * alphabet, so a model of a few thousand parameters shows visible progress within a couple of hundred steps.
 */
export const TINY_CORPUS = `the baker wakes before the sun and lights the oven.
the baker bakes bread in the morning and sells it at noon.
the fisher rows out before the sun and casts the net.
the fisher catches fish in the morning and sells them at noon.
the farmer walks out before the sun and feeds the hens.
the farmer picks apples in the morning and sells them at noon.
the teacher reads a book in the evening and sleeps at ten.
the doctor reads a letter in the evening and sleeps at ten.
the sailor sings a song in the evening and sleeps at ten.
a cat sits on the mat and watches the door.
a dog sits on the step and watches the road.
a bird sits on the wall and watches the sea.
the cat is small and the dog is big.
the sea is blue and the sun is warm.
the bread is warm and the apples are red.
when the sun is up, the town is loud.
when the sun is down, the town is quiet.
when it rains, the cat stays in and the dog goes out.
when it snows, the baker bakes more bread.
the children run to the sea and back again.
the children count the boats: one, two, three, four.
the boats come home when the sky turns red.
the old man tells the children a story about the sea.
the story is long, and the children fall asleep.
in the morning the baker sells bread, the fisher sells fish and the farmer sells apples.
at noon the town eats bread and fish and apples.
in the evening the lamps are lit, one by one.
at night the town sleeps, and only the sea is awake.
the quick brown fox jumps over the lazy dog, and the dog just yawns.
`;

/** Sentences for the fill-mask box: each has words the tiny masked model can learn from the text above. */
export const FILL_MASK_EXAMPLES = [
  'the baker bakes [MASK] in the morning.',
  'the cat sits on the [MASK] and watches the door.',
  'when the sun is down, the town is [MASK].',
];
