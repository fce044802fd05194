package io.sparkrlhf.jobs.ppo;

import java.io.Serializable;

/**
 * One prompt's rollout at the policy version of its iteration: the response sampled for it, and per
 * response token the policy's log-prob, the reference's log-prob, the value and the KL estimate the
 * reward is penalised with; the reward model's raw score of prompt + response. {@code slot}: its
 * place in the iteration's global batch, which fixes the minibatches it joins.
 */
public record Rollout(int slot, long promptIndex, int[] query, int[] response, boolean hitEos, float[] logprobs,
    float[] refLogprobs, float[] values, float[] kl, float score) implements Serializable {
  public Rollout {
    int n = response.length;
    if (n == 0 || logprobs.length != n || refLogprobs.length != n || values.length != n || kl.length != n) {
      throw new IllegalArgumentException("a rollout needs one log-prob, reference log-prob, value and KL per response "
          + "token; found " + n + " tokens");
    }
  }

  /** Σ_t (log p − log p_ref): the sequence's KL as TRL's {@code objective/kl} reports it. */
  public double klSum() {
    double s = 0;
    for (int t = 0; t < logprobs.length; t++) {
      s += logprobs[t] - refLogprobs[t];
    }
    return s;
  }

  /** Σ_t of the penalty's per-token estimate. */
  public double penaltySum() {
    double s = 0;
    for (float k : kl) {
      s += k;
    }
    return s;
  }

  /** −Σ_t log p: the sampled sequence's negative log-likelihood, TRL's {@code objective/entropy}. */
  public double negLogLikelihood() {
    double s = 0;
    for (float lp : logprobs) {
      s -= lp;
    }
    return s;
  }
}
