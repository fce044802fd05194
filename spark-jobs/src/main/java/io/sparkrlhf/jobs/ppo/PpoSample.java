package io.sparkrlhf.jobs.ppo;

import java.io.Serializable;

/** What a PPO update trains on: a rollout with its (whitened) advantages and returns per response token. */
public record PpoSample(Rollout rollout, float[] advantages, float[] returns) implements Serializable {}
