import { describe, expect, it } from 'vitest';
import { turnBatcher } from './turn-batcher.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('turnBatcher', () => {
  it('hands over the items of one turn together, after the turn', async () => {
    const sent: number[][] = [];
    const batcher = turnBatcher<number>((batch) => sent.push(batch));
    batcher.add(1);
    batcher.add(2);
    expect(sent).toEqual([]);
    expect(batcher.size).toBe(2);
    await nextTurn();
    batcher.add(3);
    await nextTurn();
    expect(sent).toEqual([[1, 2], [3]]);
  });

  it('sends at once when max items wait, and on flush', async () => {
    const sent: number[][] = [];
    const batcher = turnBatcher<number>((batch) => sent.push(batch), 2);
    batcher.add(1);
    batcher.add(2);
    expect(sent).toEqual([[1, 2]]);
    batcher.add(3);
    batcher.flush();
    expect(sent).toEqual([[1, 2], [3]]);
    await nextTurn();
    expect(sent).toEqual([[1, 2], [3]]);
  });
});
