package io.sparkrlhf.model.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.ops.Scalars;
import java.util.Locale;

/**
 * Direct Preference Optimization (Rafailov et al. 2023) as TRL's {@code DPOTrainer.dpo_loss}
 * computes it, from the summed log-probabilities of each pair's chosen and rejected responses
 * under the policy π and the reference π_ref:
 * <pre>
 *   z = (log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))          TRL's "logits"
 *   sigmoid: −(1 − ε)·log σ(β·z) − ε·log σ(−β·z)                      ε = label_smoothing (cDPO)
 *   ipo:     (z − 1/(2β))²                                             (Azar et al. 2023)
 *   implicit reward of a response: β·(log π(y) − log π_ref(y))
 * </pre>
 * The double versions are the definitions; the NDArray version is what trains (autograd-safe).
 */
public final class DpoLosses {
  private DpoLosses() {}

  /** TRL's {@code loss_type}: the two implemented here. */
  public enum Kind {
    SIGMOID,
    IPO;

    public static Kind parse(String name) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("DPO loss-type must be sigmoid or ipo, found '" + name + "'");
      }
    }

    /** TRL averages the log-probs over the response's tokens for IPO, and sums them for the sigmoid loss. */
    public boolean averagesTokens() {
      return this == IPO;
    }
  }

  /** z = (log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r)). */
  public static double logits(double policyChosen, double policyRejected, double refChosen, double refRejected) {
    return (policyChosen - refChosen) - (policyRejected - refRejected);
  }

  /** β·(log π(y) − log π_ref(y)). */
  public static double reward(double policy, double ref, double beta) {
    return beta * (policy - ref);
  }

  /** −(1 − ε)·log σ(β·z) − ε·log σ(−β·z), with −log σ(x) = softplus(−x). */
  public static double sigmoid(double z, double beta, double labelSmoothing) {
    return (1 - labelSmoothing) * softplus(-beta * z) + labelSmoothing * softplus(beta * z);
  }

  /** (z − 1/(2β))². */
  public static double ipo(double z, double beta) {
    double d = z - 1 / (2 * beta);
    return d * d;
  }

  public static double loss(Kind kind, double z, double beta, double labelSmoothing) {
    return kind == Kind.IPO ? ipo(z, beta) : sigmoid(z, beta, labelSmoothing);
  }

  private static double softplus(double x) {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /**
   * The loss per pair, (B), from (B) arrays of sequence log-probs; gradients flow through the
   * policy's, the reference's are constants.
   */
  public static NDArray losses(NDArray policyChosen, NDArray policyRejected, NDArray refChosen, NDArray refRejected,
      Kind kind, double beta, double labelSmoothing) {
    NDArray z = policyChosen.sub(refChosen).sub(policyRejected.sub(refRejected));
    if (kind == Kind.IPO) {
      NDArray d = z.sub(Scalars.like(z, 1 / (2 * beta)));
      return d.mul(d);
    }
    NDArray bz = Scalars.mul(z, beta);
    NDArray loss = Losses.softplus(bz.neg());
    if (labelSmoothing == 0) {
      return loss;
    }
    return Scalars.mul(loss, 1 - labelSmoothing).add(Scalars.mul(Losses.softplus(bz), labelSmoothing));
  }

  /**
   * Σ_t mask·log softmax(logits)[target] per row: (B, R, V), (B, R), (B, R) → (B); with
   * {@code average}, divided by the row's count of masked tokens (IPO).
   */
  public static NDArray sequenceLogprobs(NDArray logits, NDArray targets, NDArray mask, boolean average) {
    NDArray m = mask.toType(logits.getDataType(), false);
    NDArray sums = Losses.logprobsOfTokens(logits, targets).mul(m).sum(new int[] {1});
    return average ? sums.div(m.sum(new int[] {1}).maximum(Scalars.like(sums, 1))) : sums;
  }

  /** Pairs whose chosen response has the higher implicit reward (TRL's rewards/accuracies numerator, strict). */
  public static NDArray correct(NDArray chosenRewards, NDArray rejectedRewards) {
    return chosenRewards.gt(rejectedRewards).toType(DataType.FLOAT32, false).sum();
  }
}
