package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.internal.WebIdentityCredentialsUtils;

/**
 * IRSA / web identity on EKS: the AWS SDK's web-identity provider (a step of
 * DefaultCredentialsProvider, which conf/k8s.conf gives s3a) finds STS reflectively and is skipped
 * without it, so a pod with only AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE gets no credentials.
 */
class AwsCredentialsClasspathTest {
  @Test
  void webIdentityCredentialsCanBeExchangedThroughSts() {
    assertNotNull(WebIdentityCredentialsUtils.factory(), "the sts module is on the classpath");
    String sdk = software.amazon.awssdk.services.s3.S3Client.class.getPackage().getImplementationVersion();
    String sts = software.amazon.awssdk.services.sts.StsClient.class.getPackage().getImplementationVersion();
    assertTrue(sdk == null || sdk.equals(sts), "sts " + sts + " is the release of the s3 module " + sdk);
  }
}
