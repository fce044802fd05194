package io.sparkrlhf.jobs.bestofn;

import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * {@code <output>/best_of_n}: per prompt its n sampled responses (EOS kept where the response hit it),
 * their scores (with two reward models: the combined score, whitened over all samples) and the
 * index of the best one (the first of equal scores).
 */
public final class BestOfNTable {
  private BestOfNTable() {}

  public static final String NAME = "best_of_n";
  public static final String QID = "qid";
  public static final String PROMPT_IDS = "prompt_ids";
  public static final String RESPONSE_IDS = "response_ids";
  public static final String SCORES = "scores";
  public static final String BEST = "best";

  public static final StructType SCHEMA = createStructType(List.of(
      createStructField(QID, LongType, false),
      createStructField(PROMPT_IDS, createArrayType(IntegerType, false), false),
      createStructField(RESPONSE_IDS, createArrayType(createArrayType(IntegerType, false), false), false),
      createStructField(SCORES, createArrayType(FloatType, false), false),
      createStructField(BEST, IntegerType, false)));

  /** The index of the highest score, the first among equals. */
  public static int best(float[] scores) {
    int best = 0;
    for (int j = 1; j < scores.length; j++) {
      if (scores[j] > scores[best]) {
        best = j;
      }
    }
    return best;
  }
}
