// istio-tutorial's recommendation/java/springboot RecommendationApplication.java (77ef704), vendored unchanged for the bench's Java references.
package com.redhat.developer.demos.recommendation;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class RecommendationApplication {

    public static void main(String[] args) {
        SpringApplication.run(RecommendationApplication.class, args);
    }
}