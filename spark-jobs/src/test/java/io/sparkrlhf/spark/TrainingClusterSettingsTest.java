package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class TrainingClusterSettingsTest {
  @Test
  void refusesDynamicAllocationAndSpeculationByName() {
    IllegalArgumentException dynamic = assertThrows(IllegalArgumentException.class,
        () -> TrainingCluster.check(new SparkConf(false).set("spark.dynamicAllocation.enabled", "true")));
    assertTrue(dynamic.getMessage().startsWith("spark.dynamicAllocation.enabled=true"), dynamic.getMessage());
    assertTrue(dynamic.getMessage().contains("spark.executor.instances"), dynamic.getMessage());
    IllegalArgumentException speculation = assertThrows(IllegalArgumentException.class,
        () -> TrainingCluster.check(new SparkConf(false).set("spark.speculation", "true")));
    assertTrue(speculation.getMessage().startsWith("spark.speculation=true"), speculation.getMessage());
    assertDoesNotThrow(() -> TrainingCluster.check(new SparkConf(false).set("spark.dynamicAllocation.enabled", "false")
        .set("spark.speculation", "false")));
  }
}
