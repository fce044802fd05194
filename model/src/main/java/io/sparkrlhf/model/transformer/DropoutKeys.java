package io.sparkrlhf.model.transformer;

/**
 * The mask keys of one model's LoRA dropouts: the micro-batch's key (set by the trainer through
 * {@link DecoderLM#seedDropout}), the training forward pass within it, and the module. A training
 * pass with dropout on and no key set is an error rather than a silent draw from a global generator.
 */
final class DropoutKeys {
  private boolean seeded;
  private long microBatch;
  private long forward;

  void seed(long key) {
    seeded = true;
    microBatch = key;
    forward = -1;
  }

  /** Called at the start of each training forward pass: two passes in one micro-batch draw different masks. */
  void beginForward() {
    forward++;
  }

  long forModule(int module) {
    if (!seeded) {
      throw new IllegalStateException("LoRA dropout needs a mask key: call DecoderLM.seedDropout(key) before a "
          + "training forward pass, so that the masks are a function of the run, not of libtorch's global generator");
    }
    return DropoutMasks.key(microBatch, forward, module);
  }
}
