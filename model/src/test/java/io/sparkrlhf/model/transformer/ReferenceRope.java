package io.sparkrlhf.model.transformer;

import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.config.RopeScaling;

/**
 * Rotary inverse frequencies written out again for the reference decoder, from the published
 * descriptions (Llama 3.1's reference code, the YaRN paper, the NTK-aware post), without the main
 * code's RopeScaling.inverseFrequencies. Returns headDim/2 frequencies, then the cos/sin factor.
 */
final class ReferenceRope {
  private ReferenceRope() {}

  static double[] frequencies(ModelConfig c, int longestSequence) {
    int d = c.headDim();
    RopeScaling s = c.ropeScaling();
    double theta = c.ropeTheta();
    String type = s == null ? "none" : s.type();
    if (type.equals("dynamic") && longestSequence > c.maxPositions()) {
      double grow = s.factor() * longestSequence / c.maxPositions() - (s.factor() - 1);
      theta = theta * Math.pow(grow, (double) d / (d - 2));
    }
    double[] out = new double[d / 2 + 1];
    out[d / 2] = 1;
    for (int i = 0; i < d / 2; i++) {
      double plain = Math.pow(theta, -2.0 * i / d);
      out[i] = switch (type) {
        case "linear" -> plain / s.factor();
        case "llama3" -> llama3(plain, s);
        case "yarn" -> yarn(plain, i, d, c, s);
        default -> plain;
      };
    }
    if (type.equals("yarn")) {
      out[d / 2] = s.attentionFactor() != null ? s.attentionFactor() : 1 + 0.1 * Math.log(s.factor());
    }
    return out;
  }

  /** Meta's apply_scaling: keep high frequencies, divide low ones, blend in between. */
  private static double llama3(double freq, RopeScaling s) {
    double wavelen = 2 * Math.PI / freq;
    double old = s.originalMaxPositions();
    if (wavelen < old / s.highFreqFactor()) {
      return freq;
    }
    if (wavelen > old / s.lowFreqFactor()) {
      return freq / s.factor();
    }
    double smooth = (old / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
    return (1 - smooth) * freq / s.factor() + smooth * freq;
  }

  /** YaRN: dimensions turning more than β_fast times in the original context keep their frequency,
   * those turning fewer than β_slow times are interpolated, a linear ramp over the dims between. */
  private static double yarn(double freq, int i, int d, ModelConfig c, RopeScaling s) {
    double ctx = s.originalMaxPositions() != null ? s.originalMaxPositions() : c.maxPositions();
    double betaFast = s.betaFast() != null ? s.betaFast() : 32;
    double betaSlow = s.betaSlow() != null ? s.betaSlow() : 1;
    // the dim whose wavelength fits `turns` times in ctx: ctx / (2π θ^(2k/d)) = turns
    double lowDim = Math.max(0, Math.floor(d * Math.log(ctx / (2 * Math.PI * betaFast)) / (2 * Math.log(c.ropeTheta()))));
    double highDim = Math.min(d - 1, Math.ceil(d * Math.log(ctx / (2 * Math.PI * betaSlow)) / (2 * Math.log(c.ropeTheta()))));
    double interpolatedShare = highDim == lowDim ? (i >= lowDim ? 1 : 0)
        : Math.max(0, Math.min(1, (i - lowDim) / (highDim - lowDim)));
    return freq * (1 - interpolatedShare) + freq / s.factor() * interpolatedShare;
  }
}
