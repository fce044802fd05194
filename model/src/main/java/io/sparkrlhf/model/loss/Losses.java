package io.sparkrlhf.model.loss;

import io.sparkrlhf.model.ops.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The training objectives as small pure functions over NDArrays (as TRL's core utilities): each
 * returns sums and counts where a distributed step must average over the global batch, not per
 * partition.
 */
public final class Losses {
  private Losses() {}

  /** A loss summed over the counted positions, and their number. */
  public record Sum(NDArray total, NDArray count) {
    public NDArray mean() {
      return total.div(count.maximum(1));
    }
  }

  /** log p(token) under logits: (B, T, V) and (B, T) → (B, T). */
  public static NDArray logprobsOfTokens(NDArray logits, NDArray tokens) {
    return logits.logSoftmax(-1).gather(tokens.toType(DataType.INT64, false).expandDims(-1), 2).squeeze(-1);
  }

  /**
   * Next-token cross-entropy: position t predicts token t+1. A target counts where
   * {@code lossMask} (B, T) is 1 at the target, and, with {@code docIds}, only inside one document
   * (the first token of a packed document is not predicted from the previous one).
   */
  public static Sum causalLm(NDArray logits, NDArray ids, NDArray lossMask, NDArray docIds) {
    NDArray predictions = logits.get(new NDIndex(":, :-1")); // (B, T-1, V)
    NDArray targets = ids.get(new NDIndex(":, 1:")); // (B, T-1)
    NDArray counted = lossMask.get(new NDIndex(":, 1:")).toType(logits.getDataType(), false);
    if (docIds != null) {
      NDArray sameDoc = docIds.get(new NDIndex(":, 1:")).eq(docIds.get(new NDIndex(":, :-1")));
      counted = counted.mul(sameDoc.toType(logits.getDataType(), false));
    }
    NDArray nll = logprobsOfTokens(predictions, targets).neg().mul(counted);
    return new Sum(nll.sum(), counted.sum());
  }

  /** log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^(−|x|)). */
  public static NDArray softplus(NDArray x) {
    return Scalars.maximum(x, 0).add(x.abs().neg().exp().add(1).log());
  }

  /**
   * Pairwise reward loss −log σ(r_c − r_r − m) = softplus(−(r_c − r_r − m)), summed, with the
   * number of pairs where r_c > r_r (accuracy's numerator). {@code margin} may be null.
   */
  public static PairwiseResult pairwiseReward(NDArray chosen, NDArray rejected, NDArray margin) {
    NDArray diff = chosen.sub(rejected);
    NDArray z = margin == null ? diff : diff.sub(margin.toType(diff.getDataType(), false));
    return new PairwiseResult(softplus(z.neg()).sum(), diff.gt(0).toType(DataType.FLOAT32, false).sum(),
        chosen.getManager().create((float) chosen.getShape().get(0)));
  }

  /** Summed loss, pairs ranked right, pairs. */
  public record PairwiseResult(NDArray lossSum, NDArray correct, NDArray pairs) {}
}
