package io.sparkrlhf.model.rl;

import ai.djl.ndarray.NDArray;
import io.sparkrlhf.model.ops.Scalars;

/**
 * The clipped PPO objective of TRL's loss(), as sums over response tokens so a distributed step
 * can divide by the global token count. All inputs (B, T) float NDArrays, mask 1 on response
 * tokens and 0 elsewhere (padding).
 */
public final class PpoLosses {
  private PpoLosses() {}

  /**
   * Sums over masked tokens (each a 0-d NDArray of the inputs' type; policySum and valueSum keep
   * autograd's graph):
   *  ratio = exp(lp − oldLp); pg = max(−A·ratio, −A·clamp(ratio, 1−clip, 1+clip));
   *  vclipped = clamp(v, oldV − clipV, oldV + clipV); vf = ½·max((v − R)², (vclipped − R)²);
   *  policyClipped = count of tokens where −A·clamp(..) > −A·ratio; valueClipped = count where (vclipped − R)² > (v − R)²;
   *  ratioSum = Σ ratio; approxKlSum = Σ ½(lp − oldLp)²; policyKlSum = Σ (oldLp − lp); valueErrorSum = Σ (v − R)²; tokens = Σ mask.
   */
  public record Sums(NDArray policySum, NDArray valueSum, NDArray policyClipped, NDArray valueClipped, NDArray ratioSum,
      NDArray approxKlSum, NDArray policyKlSum, NDArray valueErrorSum, NDArray tokens) {}

  public static Sums clipped(NDArray logprobs, NDArray oldLogprobs, NDArray advantages, NDArray values, NDArray oldValues,
      NDArray returns, NDArray mask, double cliprange, double cliprangeValue) {
    NDArray m = mask.toType(logprobs.getDataType(), false);
    // Masking the log-ratio before exp keeps padding at ratio 1: garbage there cannot overflow to inf·0 = NaN.
    NDArray logRatio = logprobs.sub(oldLogprobs).mul(m);
    NDArray ratio = logRatio.exp();
    NDArray negAdv = advantages.neg();
    NDArray pg1 = negAdv.mul(ratio);
    NDArray clampedRatio = ratio.maximum(Scalars.like(ratio, 1 - cliprange)).minimum(Scalars.like(ratio, 1 + cliprange));
    NDArray pg2 = negAdv.mul(clampedRatio);
    NDArray policySum = pg1.maximum(pg2).mul(m).sum();

    NDArray err = values.sub(returns);
    NDArray vClipped = values.maximum(oldValues.sub(cliprangeValue)).minimum(oldValues.add(cliprangeValue));
    NDArray errClipped = vClipped.sub(returns);
    NDArray vf1 = err.mul(err);
    NDArray vf2 = errClipped.mul(errClipped);
    NDArray valueSum = Scalars.mul(vf1.maximum(vf2).mul(m).sum(), 0.5);

    NDArray policyClipped = pg2.gt(pg1).toType(m.getDataType(), false).mul(m).sum();
    NDArray valueClipped = vf2.gt(vf1).toType(m.getDataType(), false).mul(m).sum();
    NDArray ratioSum = ratio.mul(m).sum();
    NDArray approxKlSum = Scalars.mul(logRatio.mul(logRatio).sum(), 0.5);
    NDArray policyKlSum = logRatio.neg().sum();
    NDArray valueErrorSum = vf1.mul(m).sum();
    return new Sums(policySum, valueSum, policyClipped, valueClipped, ratioSum, approxKlSum, policyKlSum, valueErrorSum,
        m.sum());
  }

  /** Entropy of softmax(logits) per position: (B, T, V) → (B, T), = logsumexp − Σ softmax·logits (TRL entropy_from_logits). */
  public static NDArray entropyFromLogits(NDArray logits) {
    // Same quantity as −Σ p·log p with log p = log_softmax, which stays finite for very negative logits.
    NDArray logp = logits.logSoftmax(-1);
    return logp.exp().mul(logp).sum(new int[] {-1}).neg();
  }
}
