/**
 * AWS regions the config may name, by partition. Buckets can only be created in the
 * partition of the donor's account (the commercial `aws` partition for every donor so
 * far); the other partitions still appear as client regions that `serve` can alias.
 *
 * Regions that appear only in ip-ranges.json without having launched (me-west-1,
 * sa-west-1, us-south-1 at the time of writing) are left out on purpose.
 */
export type AwsPartition = "aws" | "aws-cn" | "aws-us-gov" | "aws-eusc";

export const AWS_REGIONS: Readonly<Record<string, { partition: AwsPartition; location: string }>> = {
  "af-south-1": { partition: "aws", location: "Cape Town" },
  "ap-east-1": { partition: "aws", location: "Hong Kong" },
  "ap-east-2": { partition: "aws", location: "Taipei" },
  "ap-northeast-1": { partition: "aws", location: "Tokyo" },
  "ap-northeast-2": { partition: "aws", location: "Seoul" },
  "ap-northeast-3": { partition: "aws", location: "Osaka" },
  "ap-south-1": { partition: "aws", location: "Mumbai" },
  "ap-south-2": { partition: "aws", location: "Hyderabad" },
  "ap-southeast-1": { partition: "aws", location: "Singapore" },
  "ap-southeast-2": { partition: "aws", location: "Sydney" },
  "ap-southeast-3": { partition: "aws", location: "Jakarta" },
  "ap-southeast-4": { partition: "aws", location: "Melbourne" },
  "ap-southeast-5": { partition: "aws", location: "Malaysia" },
  "ap-southeast-6": { partition: "aws", location: "New Zealand" },
  "ap-southeast-7": { partition: "aws", location: "Thailand" },
  "ca-central-1": { partition: "aws", location: "Montreal" },
  "ca-west-1": { partition: "aws", location: "Calgary" },
  "eu-central-1": { partition: "aws", location: "Frankfurt" },
  "eu-central-2": { partition: "aws", location: "Zurich" },
  "eu-north-1": { partition: "aws", location: "Stockholm" },
  "eu-south-1": { partition: "aws", location: "Milan" },
  "eu-south-2": { partition: "aws", location: "Spain" },
  "eu-west-1": { partition: "aws", location: "Ireland" },
  "eu-west-2": { partition: "aws", location: "London" },
  "eu-west-3": { partition: "aws", location: "Paris" },
  "il-central-1": { partition: "aws", location: "Tel Aviv" },
  "me-central-1": { partition: "aws", location: "UAE" },
  "me-south-1": { partition: "aws", location: "Bahrain" },
  "mx-central-1": { partition: "aws", location: "Mexico" },
  "sa-east-1": { partition: "aws", location: "Sao Paulo" },
  "us-east-1": { partition: "aws", location: "N. Virginia" },
  "us-east-2": { partition: "aws", location: "Ohio" },
  "us-west-1": { partition: "aws", location: "N. California" },
  "us-west-2": { partition: "aws", location: "Oregon" },
  "cn-north-1": { partition: "aws-cn", location: "Beijing" },
  "cn-northwest-1": { partition: "aws-cn", location: "Ningxia" },
  "us-gov-east-1": { partition: "aws-us-gov", location: "GovCloud US-East" },
  "us-gov-west-1": { partition: "aws-us-gov", location: "GovCloud US-West" },
  "eusc-de-east-1": { partition: "aws-eusc", location: "Brandenburg" },
};
