package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.model.rl.Gae;
import io.sparkrlhf.model.rl.Moments;
import java.io.Serializable;

/**
 * Per-token moments over an iteration's rollouts that add across partitions: the raw advantages
 * (whitened with them afterwards), returns and values, and the score and KL parts of the reward.
 */
record AdvantageSummary(Moments advantages, Moments returns, Moments values, Moments scores, double nonScoreReward)
    implements Serializable {
  static final AdvantageSummary ZERO = new AdvantageSummary(Moments.ZERO, Moments.ZERO, Moments.ZERO, Moments.ZERO, 0);

  static AdvantageSummary of(RolloutPart part, IterationParams p) {
    AdvantageSummary s = ZERO;
    for (Rollout r : part.rollouts()) {
      Gae.Result g = Advantages.gae(r, p);
      double nonScore = 0;
      for (float k : r.kl()) {
        nonScore -= p.klCoef() * k;
      }
      double[] values = new double[r.values().length];
      for (int t = 0; t < values.length; t++) {
        values[t] = r.values()[t];
      }
      s = s.plus(new AdvantageSummary(Moments.of(g.advantages()), Moments.of(g.returns()), Moments.of(values),
          Moments.ZERO.add(Advantages.score(r, p)), nonScore));
    }
    return s;
  }

  /** Moments of the per-token rewards (for whiten-rewards). */
  static Moments rewardMoments(RolloutPart part, IterationParams p) {
    Moments m = Moments.ZERO;
    for (Rollout r : part.rollouts()) {
      m = m.plus(Moments.of(Advantages.rewards(r, p)));
    }
    return m;
  }

  AdvantageSummary plus(AdvantageSummary o) {
    return new AdvantageSummary(advantages.plus(o.advantages), returns.plus(o.returns), values.plus(o.values),
        scores.plus(o.scores), nonScoreReward + o.nonScoreReward);
  }
}
