package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.model.rl.Gae;
import io.sparkrlhf.model.rl.PpoRewards;
import io.sparkrlhf.model.rl.ScoreTransform;

/**
 * A rollout → PPO sample, as TRL's step() does it: the score transformed (missing-EOS penalty,
 * running scaling/normalisation, clip), per-token rewards −β·KL with the score on the last token
 * (optionally whitened over the batch without shifting the mean), GAE, returns = advantages +
 * values, and the advantages whitened with the whole global batch's moments.
 */
final class Advantages {
  private Advantages() {}

  static double score(Rollout r, IterationParams p) {
    return ScoreTransform.apply(r.score(), r.hitEos(), p.missingEosPenalty(), p.scoreScaling(), p.scoreNorm(),
        p.scoreClip(), p.running());
  }

  /** The score after the missing-EOS penalty, before scaling: what the running moments see. */
  static double penalisedScore(Rollout r, double missingEosPenalty) {
    return r.hitEos() ? r.score() : r.score() - missingEosPenalty;
  }

  static double[] rewards(Rollout r, IterationParams p) {
    double[] kl = new double[r.kl().length];
    for (int t = 0; t < kl.length; t++) {
      kl[t] = r.kl()[t];
    }
    double[] rewards = PpoRewards.perToken(kl, p.klCoef(), score(r, p));
    if (p.whitenRewards() && p.rewardMoments() != null) {
      for (int t = 0; t < rewards.length; t++) {
        rewards[t] = p.rewardMoments().whiten(rewards[t], false);
      }
    }
    return rewards;
  }

  /** Advantages before whitening and returns. */
  static Gae.Result gae(Rollout r, IterationParams p) {
    double[] values = new double[r.values().length];
    for (int t = 0; t < values.length; t++) {
      values[t] = r.values()[t];
    }
    return Gae.compute(rewards(r, p), values, p.gamma(), p.lam());
  }

  static PpoSample sample(Rollout r, IterationParams p) {
    if (p.advantageMoments() == null) {
      throw new IllegalStateException("advantages are whitened with the global batch's moments, not yet computed");
    }
    Gae.Result g = gae(r, p);
    int n = g.advantages().length;
    float[] adv = new float[n];
    float[] ret = new float[n];
    for (int t = 0; t < n; t++) {
      adv[t] = (float) p.advantageMoments().whiten(g.advantages()[t], true);
      ret[t] = (float) g.returns()[t];
    }
    return new PpoSample(r, adv, ret);
  }
}
