package io.sparkrlhf.engine;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a task trains on: the GPU Spark assigned to it ({@code spark.task.resource.gpu.amount}
 * with executors requesting {@code spark.executor.resource.gpu.amount}), else the CPU.
 */
public final class DeviceSelector {
  private DeviceSelector() {}

  public static Device forCurrentTask() {
    TaskContext task = TaskContext.get();
    return task == null ? Device.cpu() : of(scala.jdk.javaapi.CollectionConverters.asJava(task.resources()));
  }

  /** GPU {@code addresses[0]} of the "gpu" resource when there is one. */
  static Device of(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return Device.cpu();
    }
    String address = gpu.addresses()[0];
    try {
      return Device.gpu(Integer.parseInt(address.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalStateException("Spark assigned GPU address '" + address
          + "', expected a CUDA device index (check the executor's GPU discovery script)", e);
    }
  }
}
