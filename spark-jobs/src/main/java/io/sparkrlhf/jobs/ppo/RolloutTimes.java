package io.sparkrlhf.jobs.ppo;

import java.io.Serializable;

/** Where a rollout task's time went: sampling, the log-prob/value passes, reward scoring; tokens generated. */
final class RolloutTimes implements Serializable {
  long generateNanos;
  long forwardNanos;
  long scoreNanos;
  long generatedTokens;

  void add(long generate, long forward, long score, long tokens) {
    generateNanos += generate;
    forwardNanos += forward;
    scoreNanos += score;
    generatedTokens += tokens;
  }

  /** The slowest task's times (tasks run side by side), the tokens of all. */
  RolloutTimes merge(RolloutTimes o) {
    RolloutTimes m = new RolloutTimes();
    m.generateNanos = Math.max(generateNanos, o.generateNanos);
    m.forwardNanos = Math.max(forwardNanos, o.forwardNanos);
    m.scoreNanos = Math.max(scoreNanos, o.scoreNanos);
    m.generatedTokens = generatedTokens + o.generatedTokens;
    return m;
  }
}
