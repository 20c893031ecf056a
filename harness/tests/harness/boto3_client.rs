//! boto3_client
