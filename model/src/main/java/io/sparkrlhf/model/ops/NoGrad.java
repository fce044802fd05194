package io.sparkrlhf.model.ops;

import ai.djl.pytorch.jni.JniUtils;

/**
 * torch.no_grad() for code that changes parameters in place. libtorch's grad mode is per thread
 * and on by default; DJL turns it off only on the thread that loaded the engine (and a
 * GradientCollector restores whatever it found), so elsewhere, such as on Spark's replica thread,
 * every op on a tensor that requires gradients is recorded.
 */
public final class NoGrad {
  private NoGrad() {}

  public static void run(Runnable work) {
    boolean was = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      work.run();
    } finally {
      JniUtils.setGradMode(was);
    }
  }
}
