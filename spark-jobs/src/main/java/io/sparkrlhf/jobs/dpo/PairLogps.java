package io.sparkrlhf.jobs.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.model.rl.DpoLosses;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.util.List;

/**
 * The log-probability of each pair's chosen and rejected response given its prompt, summed over the
 * response tokens only (the prompt is context, as in TRL), or averaged for IPO. The 2B sequences
 * run as one right-padded batch, chosen rows first; the LM head runs only at the positions that
 * predict response tokens.
 */
final class PairLogps {
  private PairLogps() {}

  /** (2B): chosen responses' log-probs, then rejected responses'. */
  static NDArray of(DecoderLM model, ParameterStore ps, NDManager scope, List<PreferencePair> pairs, int pad,
      boolean average, boolean training) {
    Batch in = Batch.of(scope, pairs, pad);
    NDArray hidden = model.forwardHidden(ps, in.ids, in.mask, null, training).hidden(); // (2B, T, H)
    Shape s = hidden.getShape();
    NDArray window = hidden.gather(in.positions.expandDims(-1).broadcast(new Shape(s.get(0), in.width, s.get(2))), 1);
    NDArray logits = model.logits(ps, window, training).toType(DataType.FLOAT32, false); // (2B, R, V)
    return DpoLosses.sequenceLogprobs(logits, in.targets, in.responseMask, average);
  }

  /** Tokens in the batch's sequences (prompt + response, both responses). */
  static long tokens(List<PreferencePair> pairs) {
    long n = 0;
    for (PreferencePair p : pairs) {
      n += 2L * p.prompt().length + p.chosen().length + p.rejected().length;
    }
    return n;
  }

  /**
   * ids and attention mask (2B, T); the response window (2B, R), R the longest response: for row i,
   * position q_i − 1 + t predicts response token t; cells past a row's response are masked.
   */
  private record Batch(NDArray ids, NDArray mask, NDArray positions, NDArray targets, NDArray responseMask, int width) {
    static Batch of(NDManager scope, List<PreferencePair> pairs, int pad) {
      int rows = 2 * pairs.size();
      int t = 1;
      int r = 1;
      for (PreferencePair p : pairs) {
        if (p.prompt().length == 0) {
          throw new IllegalArgumentException("a preference pair with an empty prompt: DPO scores a response given its "
              + "prompt, and the first response token has nothing to be predicted from");
        }
        t = Math.max(t, p.prompt().length + Math.max(p.chosen().length, p.rejected().length));
        r = Math.max(r, Math.max(p.chosen().length, p.rejected().length));
      }
      long[] ids = new long[rows * t];
      long[] mask = new long[rows * t];
      long[] positions = new long[rows * r];
      long[] targets = new long[rows * r];
      long[] responseMask = new long[rows * r];
      for (int row = 0; row < rows; row++) {
        PreferencePair p = pairs.get(row % pairs.size());
        int[] q = p.prompt();
        int[] resp = row < pairs.size() ? p.chosen() : p.rejected();
        for (int j = 0; j < t; j++) {
          boolean real = j < q.length + resp.length;
          ids[row * t + j] = j < q.length ? q[j] : real ? resp[j - q.length] : pad;
          mask[row * t + j] = real ? 1 : 0;
        }
        for (int j = 0; j < resp.length; j++) {
          positions[row * r + j] = q.length - 1 + j;
          targets[row * r + j] = resp[j];
          responseMask[row * r + j] = 1;
        }
      }
      return new Batch(scope.create(ids, new Shape(rows, t)), scope.create(mask, new Shape(rows, t)),
          scope.create(positions, new Shape(rows, r)), scope.create(targets, new Shape(rows, r)),
          scope.create(responseMask, new Shape(rows, r)), r);
    }
  }
}
