package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.model.rl.Moments;
import java.io.Serializable;

/** Scalars of an iteration's rollouts that add across partitions: what reaches the driver. */
record RolloutSummary(Moments scores, Moments penalisedScores, double klSum, double penaltySum, double nllSum,
    long queryTokens, long responseTokens, long withEos, RolloutTimes times) implements Serializable {

  static RolloutSummary of(RolloutPart part, double missingEosPenalty) {
    Moments scores = Moments.ZERO;
    Moments penalised = Moments.ZERO;
    double kl = 0;
    double penalty = 0;
    double nll = 0;
    long query = 0;
    long response = 0;
    long eos = 0;
    for (Rollout r : part.rollouts()) {
      scores = scores.add(r.score());
      penalised = penalised.add(Advantages.penalisedScore(r, missingEosPenalty));
      kl += r.klSum();
      penalty += r.penaltySum();
      nll += r.negLogLikelihood();
      query += r.query().length;
      response += r.response().length;
      eos += r.hitEos() ? 1 : 0;
    }
    return new RolloutSummary(scores, penalised, kl, penalty, nll, query, response, eos, part.times());
  }

  RolloutSummary plus(RolloutSummary o) {
    return new RolloutSummary(scores.plus(o.scores), penalisedScores.plus(o.penalisedScores), klSum + o.klSum,
        penaltySum + o.penaltySum, nllSum + o.nllSum, queryTokens + o.queryTokens, responseTokens + o.responseTokens,
        withEos + o.withEos, times.merge(o.times));
  }

  long samples() {
    return scores.count();
  }
}
