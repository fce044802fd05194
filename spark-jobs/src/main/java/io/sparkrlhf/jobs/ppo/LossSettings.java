package io.sparkrlhf.jobs.ppo;

import java.io.Serializable;

/** The clipped objective's constants (TRL: cliprange, cliprange_value, vf_coef). */
public record LossSettings(double cliprange, double cliprangeValue, double vfCoef) implements Serializable {}
