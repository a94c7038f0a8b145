namespace HealthService.Tests.Deployment;

/// <summary>The checker behind <see cref="CloudFormationTemplateTests"/> finds what it claims to find, and no more.</summary>
public sealed class CloudFormationSpecCheckerTests
{
    private static IReadOnlyList<string> Check(string yaml) =>
        new CloudFormationSpecChecker(CloudFormationSpec.Installed).Check(CloudFormationYaml.Parse(yaml));

    [Fact]
    public void Each_kind_of_error_in_a_broken_template_is_reported()
    {
        var errors = Check("""
            Parameters:
              Size:
                Type: String
                Default: huge
                AllowedValues: [small, large]
              Subnets:
                Type: List<AWS::EC2::Subnet::Id>
              Colour:
                Type: Colour
            Conditions:
              IsSmall: !Equals [!Ref Size, small]
              IsTiny: !And [!Condition IsSmall, !Condition IsMicro]
            Resources:
              Queue:
                Type: AWS::SQS::Quueue
              Group:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  VpcId: !Ref Vpc
                  SecurityGroupIngress:
                    - IpProtocol: tcp
                      FromPort: eighty
                      Colour: blue
              TargetGroup:
                Type: AWS::ElasticLoadBalancingV2::TargetGroup
                Condition: IsLarge
                DependsOn: [Group, Missing]
                Properties:
                  Colour: red
                  HealthCheckPath: /health
                  HealthCheckIntervalSeconds: [5]
                  Matcher: "200"
                  TargetGroupAttributes:
                    Key: deregistration_delay.timeout_seconds
                  HealthyThresholdCount: !If [IsSmall, 2, two]
                  HealthCheckEnabled: !If [IsHuge, true, false]
                  HealthCheckTimeoutSeconds: !GetAtt Group.Colour
                  Name: !Sub ${Nothing}-tg
                  Protocol: !Sub ${Ghost.Arn}
                  Port: !FindInMap [Ports, !Ref Size, http]
            Outputs:
              Id:
                Description: no value
            """);

        Assert.Equal(
            new[]
            {
                "Conditions.IsTiny.Fn::And[1]: condition \"IsMicro\" is not defined in Conditions",
                "Outputs.Id: Value is missing",
                "Parameters.Colour: Type Colour is not a parameter type",
                "Parameters.Size: Default huge is not one of its AllowedValues",
                "Resources.Group.Properties.SecurityGroupIngress[0].Colour: AWS::EC2::SecurityGroup.Ingress has no property Colour",
                "Resources.Group.Properties.SecurityGroupIngress[0].FromPort: expected Integer, got 'eighty'",
                "Resources.Group.Properties.VpcId: !Ref Vpc names no parameter, resource or pseudo parameter",
                "Resources.Group.Properties: required property GroupDescription of AWS::EC2::SecurityGroup is missing",
                "Resources.Queue: AWS::SQS::Quueue is not a CloudFormation resource type",
                "Resources.TargetGroup.Condition: condition \"IsLarge\" is not defined in Conditions",
                "Resources.TargetGroup.DependsOn: \"Missing\" names no resource",
                "Resources.TargetGroup.Properties.Colour: AWS::ElasticLoadBalancingV2::TargetGroup has no property Colour",
                "Resources.TargetGroup.Properties.HealthCheckEnabled: condition \"IsHuge\" is not defined in Conditions",
                "Resources.TargetGroup.Properties.HealthCheckIntervalSeconds: expected Integer, got a list",
                "Resources.TargetGroup.Properties.HealthCheckTimeoutSeconds: !GetAtt Group.Colour: AWS::EC2::SecurityGroup has no attribute Colour",
                "Resources.TargetGroup.Properties.HealthyThresholdCount[if false]: expected Integer, got 'two'",
                "Resources.TargetGroup.Properties.Matcher: expected Matcher (a mapping), got '200'",
                "Resources.TargetGroup.Properties.Name: !Sub ${Nothing} names no parameter, resource, pseudo parameter or variable",
                "Resources.TargetGroup.Properties.Port: !FindInMap Ports names no mapping",
                "Resources.TargetGroup.Properties.Protocol: !Sub ${Ghost.Arn}: there is no resource Ghost",
                "Resources.TargetGroup.Properties.TargetGroupAttributes: expected a List of TargetGroupAttribute, got a mapping",
            },
            errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_valid_template_with_intrinsic_functions_everywhere_passes()
    {
        var errors = Check("""
            AWSTemplateFormatVersion: "2010-09-09"
            Parameters:
              Subnets:
                Type: List<AWS::EC2::Subnet::Id>
              Image:
                Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
                Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
              Size:
                Type: String
                Default: small
                AllowedValues: [small, large]
            Mappings:
              Ports:
                small: {http: 8080}
                large: {http: 8081}
            Conditions:
              IsSmall: !Equals [!Ref Size, small]
              IsLarge: !Not [!Condition IsSmall]
            Resources:
              Group:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: !Sub "${AWS::StackName} in ${AWS::Region}, literally ${!NotAReference}"
                  SecurityGroupIngress:
                    - !If
                      - IsLarge
                      - IpProtocol: tcp
                        FromPort: !FindInMap [Ports, !Ref Size, http]
                        ToPort: 8081
                        CidrIp: 10.0.0.0/8
                      - !Ref AWS::NoValue
              TargetGroup:
                Type: AWS::ElasticLoadBalancingV2::TargetGroup
                DependsOn: Group
                Properties:
                  Port: !If [IsSmall, 8080, !Ref AWS::NoValue]
                  Protocol: HTTP
                  Matcher:
                    HttpCode: "200"
                  Name: !Join ["-", [!Ref AWS::StackName, !Select [0, !Ref Subnets]]]
                  VpcId: !GetAtt Group.VpcId
                  Tags:
                    - Key: image
                      Value: !Sub
                        - ${Id}-${Group.GroupId}
                        - Id: !Ref Image
            Outputs:
              Group:
                Condition: IsSmall
                Value: !GetAtt [Group, GroupId]
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public void An_unknown_short_form_tag_is_refused_when_the_template_is_read()
    {
        var error = Assert.Throws<InvalidDataException>(() => CloudFormationYaml.Parse("Value: !Reff Thing"));

        Assert.Contains("!Reff is not a CloudFormation intrinsic function", error.Message, StringComparison.Ordinal);
    }
}
