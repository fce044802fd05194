package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.model.rl.Moments;
import io.sparkrlhf.model.rl.RunningMoments;
import java.io.Serializable;

/**
 * What turns an iteration's rollouts into PPO samples, fixed on the driver once the iteration's
 * global statistics are known: the KL coefficient, the score transform's running moments, GAE's
 * constants, and the whole batch's reward and advantage moments for whitening (null: not yet known,
 * or not whitened).
 */
record IterationParams(double klCoef, RunningMoments running, boolean scoreScaling, boolean scoreNorm,
    double scoreClip, double missingEosPenalty, boolean whitenRewards, double gamma, double lam,
    Moments rewardMoments, Moments advantageMoments) implements Serializable {

  IterationParams withRewardMoments(Moments m) {
    return new IterationParams(klCoef, running, scoreScaling, scoreNorm, scoreClip, missingEosPenalty, whitenRewards,
        gamma, lam, m, advantageMoments);
  }

  IterationParams withAdvantageMoments(Moments m) {
    return new IterationParams(klCoef, running, scoreScaling, scoreNorm, scoreClip, missingEosPenalty, whitenRewards,
        gamma, lam, rewardMoments, m);
  }
}
