package io.sparkrlhf.model.transformer;

import ai.djl.nn.Parameter;

/**
 * A parameter under its Hugging Face name. {@code transposed}: the checkpoint stores it as
 * {@code [in, out]} (GPT-2's Conv1D) while the block keeps {@code [out, in]}, like every Linear.
 */
public record HfParameter(String name, Parameter parameter, boolean transposed) {}
