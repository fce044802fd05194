package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The GPU path's device choice, checked without a GPU: Spark's task resources decide. */
class DeviceSelectorTest {
  @Test
  void aTaskTrainsOnTheFirstGpuSparkAssignedIt() {
    Map<String, ResourceInformation> gpus = Map.of("gpu", new ResourceInformation("gpu", new String[] {"3", "5"}));
    assertEquals(Device.gpu(3), DeviceSelector.of(gpus));
  }

  @Test
  void withoutAGpuResourceItIsTheCpu() {
    assertEquals(Device.cpu(), DeviceSelector.of(Map.of()));
    assertEquals(Device.cpu(), DeviceSelector.of(Map.of("gpu", new ResourceInformation("gpu", new String[0]))));
    assertEquals(Device.cpu(), DeviceSelector.forCurrentTask(), "outside a Spark task");
  }

  @Test
  void anAddressThatIsNotACudaIndexIsAClearError() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DeviceSelector.of(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-7f3a"}))));
    assertTrue(e.getMessage().contains("GPU-7f3a") && e.getMessage().contains("discovery script"), e.getMessage());
  }
}
